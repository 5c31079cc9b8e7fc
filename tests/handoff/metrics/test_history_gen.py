"""The scripted week of history: deterministic for a seed, the same figures on any database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.runtime import Runtime, start_runtime
from handoff.history_gen import generate_history
from handoff.metrics import Window, compute_all

NOW = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
WEEK = Window(NOW - timedelta(days=7), NOW)


def _report(runtime: Runtime, seed: int) -> dict:
    with runtime.sessions() as session:
        summary = generate_history(session, now=NOW, seed=seed, contacts_per_day=12)
        session.commit()
        assert summary.conversations > 50 and summary.tickets > 5
        return compute_all(session, WEEK, now=NOW)


def test_the_same_seed_gives_the_same_report_on_another_database(fleet: Runtime, tmp_path: Path) -> None:
    report = _report(fleet, seed=3)
    other = start_runtime(Settings(database_url=f"sqlite:///{tmp_path / 'other.db'}", data_dir=tmp_path,
                                   api_token="t", secret_key="k"), announce=False)
    try:
        from bot.fleet.models import Charger, Site
        from tests.handoff.conftest import (  # the same fleet in the second database
            FLEET,
            SITE_TYPES,
        )

        with other.sessions() as session, session.begin():
            for site_id, chargers in FLEET.items():
                session.add(Site(id=site_id, name=site_id, type=SITE_TYPES[site_id], payment_methods=[], emsps=[]))
                session.flush()
                session.add_all(Charger(id=c, site_id=site_id, label=f"Label {c}") for c in chargers)
        assert _report(other, seed=3) == report
    finally:
        other.close()
    json.dumps(report)  # the report is JSON as it stands


def test_a_generated_week_shows_every_metric(fleet: Runtime) -> None:
    report = _report(fleet, seed=11)
    assert report["contacts"] > 50
    for name in ("first_contact_resolution", "deflection"):
        assert 0.3 < report[name]["value"] < 0.95
    assert report["time_to_remote_recovery"]["n"] > 0
    assert report["escalation_accuracy"]["overall"]["denominator"] > 0
    assert report["post_intervention_uptime"]["n"] > 0
    assert set(report["sla_attainment"]) <= {"tier1", "tier2", "field_engineering", "platform_ops"}
    assert sum(report["contact_volume"]["by_hour"].values()) == report["contacts"]


def test_every_generated_conversation_is_closed_with_an_outcome(fleet: Runtime) -> None:
    from sqlalchemy import select

    from bot.conversation.models import Conversation
    from bot.conversation.store import decide_outcome

    _report(fleet, seed=5)
    with fleet.sessions() as session:
        rows = list(session.scalars(select(Conversation)))
    assert rows and all(c.status == "closed" and c.closed_at is not None for c in rows)
    # what the live system would have recorded for the same conversation
    assert [c.outcome for c in rows] == [decide_outcome(c) for c in rows]
    assert {c.outcome for c in rows} >= {"resolved_by_bot", "handed_off", "transferred"}


def test_history_needs_a_fleet(runtime: Runtime) -> None:
    with runtime.sessions() as session, pytest.raises(ValueError, match="fleet is empty"):
        generate_history(session, now=NOW)
