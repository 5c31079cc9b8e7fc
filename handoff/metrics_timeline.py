"""A charger's availability over a period, rebuilt from the bridge's status history.

A charger is *up* while it is online and none of its connectors (0 = the whole
charger) last reported `Faulted` or `Unavailable`. Time before the first event
that tells us its state is not counted at all (unknown is neither up nor down).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.clock import as_utc

DOWN_STATUSES = frozenset({"Faulted", "Unavailable"})


@dataclass(frozen=True)
class Event:
    """One row of status history reduced to what availability needs."""

    at: datetime
    kind: str  # status | online | offline | boot | security
    connector_id: int | None = None
    status: str | None = None


class _State:
    def __init__(self) -> None:
        self.online: bool | None = None
        self.connectors: dict[int, str] = {}

    def apply(self, event: Event) -> None:
        if event.kind == "online" or event.kind == "boot":
            self.online = True
        elif event.kind == "offline":
            self.online = False
        elif event.kind == "status" and event.status:
            self.online = True  # a status notification arrives over a live connection
            self.connectors[event.connector_id or 0] = event.status

    def up(self) -> bool | None:
        if self.online is None:
            return None
        return self.online and not any(s in DOWN_STATUSES for s in self.connectors.values())


def availability(events: Iterable[Event], start: datetime, end: datetime) -> float | None:
    """Share of the known time in [start, end) the charger was up; None when nothing is known."""
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        return None
    state = _State()
    cursor = start
    up_seconds = known_seconds = 0.0
    for event in sorted(events, key=lambda e: as_utc(e.at)):
        at = as_utc(event.at)
        if at >= end:
            break
        if at > cursor:
            span = (at - cursor).total_seconds()
            up = state.up()
            if up is not None:
                known_seconds += span
                up_seconds += span if up else 0.0
            cursor = at
        state.apply(event)
    up = state.up()
    if up is not None and end > cursor:
        span = (end - cursor).total_seconds()
        known_seconds += span
        up_seconds += span if up else 0.0
    return up_seconds / known_seconds if known_seconds else None
