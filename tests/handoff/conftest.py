"""Fixtures for handoff tests: a clock, a small fleet over three sites, a session on the test database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from bot.fleet.models import Charger, Site
from bot.runtime import Runtime

NOW = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
# site -> chargers; labels must be unique in the fleet
FLEET = {
    "berlin-depot": ["CP-B1", "CP-B2", "CP-B3", "CP-B4", "CP-B5"],
    "a9-services": ["CP-A1", "CP-A2"],
    "munich-street": ["CP-M1"],
}
SITE_TYPES = {"berlin-depot": "fleet_depot", "a9-services": "highway", "munich-street": "street"}


@pytest.fixture
def fleet(runtime: Runtime) -> Runtime:
    """The runtime with three sites and eight chargers in its fleet tables."""
    with runtime.sessions() as session, session.begin():
        for site_id, chargers in FLEET.items():
            session.add(Site(id=site_id, name=site_id, type=SITE_TYPES[site_id], payment_methods=[], emsps=[]))
            session.flush()
            for charger_id in chargers:
                session.add(Charger(id=charger_id, site_id=site_id, label=f"Label {charger_id}"))
    return runtime


@pytest.fixture
def session(fleet: Runtime) -> Iterator[Session]:
    """A session on the fleet database; the test commits what it wants kept."""
    with fleet.sessions() as s:
        yield s
