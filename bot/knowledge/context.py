"""What a guide knows about the charger in front of the driver, read from the fleet."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.fleet.models import Charger

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GuideContext:
    """Facts that adapt a guide to one charger; any of them may be unknown."""

    charger_label: str | None = None
    connectors: Sequence[tuple[int, str, float]] = ()  # (connector id, type, max kW)
    payment_methods: Sequence[str] = ()  # as in the fleet file: rfid, app, qr, contactless, ...
    emsps: Sequence[str] = ()
    site_type: str | None = None
    charger_id: str | None = None  # the OCPP id, used in links to the guide page

    def charger_ref(self) -> str | None:
        """Return what the guide page's `?charger=` should carry (the id, else the label)."""
        return self.charger_id or self.charger_label

    @classmethod
    def from_fleet(cls, session: Session, charger_id: str) -> GuideContext | None:
        """Read the charger (by OCPP id, else by label) and its site; None if the fleet lacks it."""
        charger = session.get(Charger, charger_id)
        if charger is None:
            charger = session.scalars(
                select(Charger).where(func.lower(Charger.label) == charger_id.strip().lower())
            ).first()
        if charger is None:
            log.debug("no charger %s in the fleet for a guide context", charger_id)
            return None
        site = charger.site
        return cls(
            charger_label=charger.label,
            connectors=tuple((c.connector_id, c.type, float(c.max_kw)) for c in charger.connectors),
            payment_methods=tuple(site.payment_methods or ()) if site is not None else (),
            emsps=tuple(site.emsps or ()) if site is not None else (),
            site_type=site.type if site is not None else None,
            charger_id=charger.id,
        )
