"""Speech recognition hints for calls: the words this fleet's drivers will say."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.fleet.models import CONNECTOR_TYPES, Charger, Site

MAX_HINTS = 450  # Twilio accepts up to 500 phrases
TTL_S = 60.0
_cache: dict[int, tuple[float, tuple[str, ...]]] = {}


def voice_hints(factory: sessionmaker[Session]) -> tuple[str, ...]:
    """Connector names, eMSP names, then charger labels and ids (cached for a minute)."""
    key = id(factory)
    cached = _cache.get(key)
    if cached and time.monotonic() - cached[0] < TTL_S:
        return cached[1]
    hints: list[str] = [*CONNECTOR_TYPES, "agent", "RFID card", "contactless", "app", "QR code"]
    with factory() as session:
        for emsps in session.scalars(select(Site.emsps)):
            hints.extend(emsps or ())
        for label, charger_id in session.execute(select(Charger.label, Charger.id).order_by(Charger.label)):
            hints.extend((label, charger_id))
    unique = tuple(dict.fromkeys(h.replace(",", " ") for h in hints if h))[:MAX_HINTS]
    _cache[key] = (time.monotonic(), unique)
    return unique
