"""A charger's recent history for the escalation rules: failed and rejected sessions, offline spells."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.conversation.records import first_failure_reports
from handoff.models import Ticket
from ocpp_bridge.models import ChargingSession, StatusEvent

FAILED_OUTCOMES = ("failed", "start_failed")  # a rejected id tag is the driver's card, not the charger
FAILURE_INTENTS = ("start_failure", "auth_failed", "charging_stopped")
# a driver who calls about a failure the charger also recorded is one failure, not two
SAME_EVENT = timedelta(minutes=10)
CLOCK_SLACK = timedelta(minutes=1)  # a charger's own start time may be a little before the status we stamped


@dataclass(frozen=True)
class _Window:
    """One charger's sessions and status events in the window, read once (two queries) for all the counts."""

    sessions: list[tuple[datetime, str]]  # (started_at, outcome)
    events: list[tuple[str, int | None, str | None, datetime]]  # (kind, connector_id, status, at), in order


def _window(session: Session, charger_id: str, since: datetime, now: datetime) -> _Window:
    sessions = [(as_utc(at), outcome) for at, outcome in session.execute(
        select(ChargingSession.started_at, ChargingSession.outcome).where(
            ChargingSession.charger_id == charger_id, ChargingSession.started_at >= since,
            ChargingSession.started_at <= now))]
    events = [(kind, connector_id, status, as_utc(at)) for kind, connector_id, status, at in session.execute(
        select(StatusEvent.kind, StatusEvent.connector_id, StatusEvent.status, StatusEvent.at).where(
            StatusEvent.charger_id == charger_id, StatusEvent.kind.in_(("status", "offline")),
            StatusEvent.at >= since, StatusEvent.at <= now).order_by(StatusEvent.at, StatusEvent.id))]
    return _Window(sessions, events)


def recent_failures(session: Session, charger_id: str, now: datetime, window_minutes: int) -> int:
    """Count failed sessions on a charger in the window: OCPP history and driver reports, each event once."""
    now = as_utc(now)
    since = now - timedelta(minutes=window_minutes)
    return _failures(session, charger_id, since, now, _window(session, charger_id, since, now))


def _failures(session: Session, charger_id: str, since: datetime, now: datetime, window: _Window) -> int:
    recorded = sorted([*(at for at, outcome in window.sessions if outcome in FAILED_OUTCOMES),
                       *_abandoned(window)])
    reports = _driver_reports(session, charger_id, since, now)
    unmatched = list(recorded)
    extra = 0
    for at in sorted(reports):
        match = next((r for r in unmatched if abs(r - at) <= SAME_EVENT), None)
        if match is None:
            extra += 1  # e.g. a start the charger never even registered
        else:
            unmatched.remove(match)
    return len(recorded) + extra


def abandoned_starts(session: Session, charger_id: str, since: datetime, now: datetime) -> list[datetime]:
    """Starts the charger never began: a connector went Preparing and back to Available with no session between.

    The charger reports these only through its statuses (no StartTransaction, no failed session row), e.g.
    when the car does not answer the charger; a rejected card or a failed remote start has its own row.
    """
    return _abandoned(_window(session, charger_id, as_utc(since), as_utc(now)))


def _abandoned(window: _Window) -> list[datetime]:
    began = [at for at, _ in window.sessions]
    preparing: dict[int | None, datetime] = {}
    found = []
    for kind, connector_id, status, at in window.events:
        if kind != "status":
            continue
        if status == "Preparing":
            preparing.setdefault(connector_id, at)
        elif connector_id in preparing:
            start = preparing.pop(connector_id)
            if status == "Available" and not any(start - CLOCK_SLACK <= b <= at for b in began):
                found.append(start)
    return found


def recent_rejections(session: Session, charger_id: str, now: datetime, window_minutes: int) -> int:
    """Count the card/app authorisations the charger refused in the window."""
    now = as_utc(now)
    window = _window(session, charger_id, now - timedelta(minutes=window_minutes), now)
    return sum(1 for _, outcome in window.sessions if outcome == "rejected")


def recent_offline_spells(session: Session, charger_id: str, now: datetime, window_minutes: int) -> int:
    """Count the times the charger dropped offline in the window (the bridge's `offline` status events)."""
    now = as_utc(now)
    window = _window(session, charger_id, now - timedelta(minutes=window_minutes), now)
    return sum(1 for kind, *_ in window.events if kind == "offline")


def charger_history(session: Session, charger_id: str, now: datetime, window_minutes: int) -> dict[str, int]:
    """The history facts the rules read: failed_sessions_recent, rejected_sessions_recent, offline_spells_recent.

    The window's sessions and status events are read once for all three (a diagnosis asks on every turn).
    """
    now = as_utc(now)
    since = now - timedelta(minutes=window_minutes)
    window = _window(session, charger_id, since, now)
    return {"failed_sessions_recent": _failures(session, charger_id, since, now, window),
            "rejected_sessions_recent": sum(1 for _, outcome in window.sessions if outcome == "rejected"),
            "offline_spells_recent": sum(1 for kind, *_ in window.events if kind == "offline")}


def _driver_reports(session: Session, charger_id: str, since: datetime, now: datetime) -> list[datetime]:
    """The first failure report of each conversation (and of each ticket without one) about this charger."""
    first = first_failure_reports(session, charger_id, FAILURE_INTENTS, since, now)
    tickets = session.execute(
        select(Ticket.id, Ticket.conversation_id, Ticket.created_at).where(
            Ticket.charger_id == charger_id, Ticket.intent.in_(FAILURE_INTENTS), Ticket.created_at >= since,
            Ticket.created_at <= now))
    for ticket_id, ticket_conversation, at in tickets:
        if ticket_conversation is None or ticket_conversation not in first:
            first[f"ticket:{ticket_id}"] = as_utc(at)
    return list(first.values())
