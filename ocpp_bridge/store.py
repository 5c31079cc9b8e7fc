"""Record what chargers report: synchronous database writes, batched by the bridge's writer (writer.py)."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.appstate import get_value
from bot.clock import utcnow
from bot.fleet.models import IdToken
from bot.logs import mask_id_tag
from ocpp_bridge.models import (
    ChargerReport,
    ChargerState,
    ChargingSession,
    CommandAudit,
    ConnectorState,
    StatusEvent,
)

log = logging.getLogger(__name__)

# Stop reasons (1.6 and 2.0.1) that mean the session ended on a fault, not by the driver.
ERROR_REASONS = frozenset({
    "EmergencyStop", "PowerLoss", "Reboot", "HardReset", "SoftReset", "Other", "DeAuthorized",
    "GroundFault", "ImmediateReset", "OvercurrentFault", "PowerQuality", "Timeout", "EVCommunicationLost",
})
MIN_ENERGY_WH = 100.0  # below this a "completed" session delivered ~nothing: count it as failed
P = ParamSpec("P")
R = TypeVar("R")


def tag_hash(id_tag: str) -> str:
    """Hash an id tag so repeated failures of one card can be linked without storing it."""
    return hashlib.sha256(id_tag.encode()).hexdigest()[:32]


def unit_of_work(fn: Callable[Concatenate[Store, Session, P], R]) -> Callable[Concatenate[Store, P], R]:
    """A write that joins the caller's `session=` (the writer's batch) or, without one, runs in its own transaction.

    Typed as the method without its session: the writer passes `session=` through `Callable[..., T]`.
    """
    @functools.wraps(fn)
    def wrapper(self: Store, *args: Any, session: Session | None = None, **kwargs: Any) -> Any:
        if session is not None:
            return fn(self, session, *args, **kwargs)
        try:
            with self.sessions.begin() as own:
                return fn(self, own, *args, **kwargs)
        except IntegrityError:
            # another node created the charger's state row at the same moment; it exists now
            with self.sessions.begin() as own:
                return fn(self, own, *args, **kwargs)
    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class TokenVerdict:
    status: str  # Accepted | Blocked | Expired | Invalid
    expiry: date | None = None
    group: str | None = None  # sent as 1.6 parentIdTag and 2.0.1 groupIdToken


class Store:
    """Every write the bridge makes on behalf of a charger: one transaction each, or part of the writer's batch."""

    def __init__(self, sessions: sessionmaker[Session], node_id: str) -> None:
        self.sessions = sessions
        self.node_id = node_id

    def _state(self, session: Session, charger_id: str) -> ChargerState:
        """The charger's state row, created on first use (flushed so later writes of the batch see it)."""
        state = session.get(ChargerState, charger_id)
        if state is None:
            state = ChargerState(charger_id=charger_id, online=False)
            session.add(state)
            session.flush()
        return state

    @unit_of_work
    def connected(self, session: Session, charger_id: str, protocol: str) -> None:
        """Mark a charger online on this node."""
        now = utcnow()
        state = self._state(session, charger_id)
        if not state.online:
            state.online_since = now
            session.add(StatusEvent(charger_id=charger_id, kind="online", at=now))
        state.online, state.protocol, state.node_id, state.last_seen = True, protocol, self.node_id, now
        state.offline_reason = None

    @unit_of_work
    def disconnected(self, session: Session, charger_id: str, reason: str) -> None:
        """Mark a charger offline (socket closed or heartbeats missed)."""
        now = utcnow()
        state = self._state(session, charger_id)
        if state.online:
            session.add(StatusEvent(charger_id=charger_id, kind="offline", info=reason[:255], at=now))
        state.online, state.offline_since, state.offline_reason = False, now, reason[:100]

    @unit_of_work
    def mark_node_offline(self, session: Session, reason: str) -> int:
        """At start-up: chargers this node held before a crash are not connected any more."""
        now = utcnow()
        ids = list(session.scalars(select(ChargerState.charger_id).where(
            ChargerState.online.is_(True), ChargerState.node_id == self.node_id)))
        for charger_id in ids:
            session.add(StatusEvent(charger_id=charger_id, kind="offline", info=reason, at=now))
        session.execute(update(ChargerState).where(ChargerState.charger_id.in_(ids)).values(
            online=False, offline_since=now, offline_reason=reason))
        # commands in flight when this node died were sent (or not) but their answer was never recorded
        session.execute(update(CommandAudit).where(
            CommandAudit.status == "Pending", CommandAudit.node_id == self.node_id).values(
            status="Unknown", detail=f"{reason} before the charger answered; the charger may have executed it")
            .execution_options(synchronize_session=False))
        return len(ids)

    @unit_of_work
    def boot(self, session: Session, charger_id: str, vendor: str, model: str, firmware: str | None,
             serial: str | None) -> None:
        """Record a BootNotification's facts."""
        now = utcnow()
        state = self._state(session, charger_id)
        state.vendor, state.model, state.firmware_version = vendor[:100], model[:100], (firmware or "")[:100] or None
        state.serial_number, state.booted_at, state.last_seen = serial, now, now
        session.add(StatusEvent(charger_id=charger_id, kind="boot", info=f"{vendor} {model} {firmware or ''}"[:255], at=now))

    @unit_of_work
    def heartbeats(self, session: Session, beats: Mapping[str, datetime]) -> None:
        """Record the heartbeats the bridge answered from memory since the last flush: one executemany UPDATE."""
        if not beats:
            return
        table = ChargerState.__table__
        session.execute(update(table).where(  # type: ignore[arg-type]
            table.c.charger_id == bindparam("b_id")).values(
            last_heartbeat=bindparam("b_at"), last_seen=bindparam("b_at")),
            [{"b_id": charger_id, "b_at": at} for charger_id, at in beats.items()])

    @unit_of_work
    def status(self, session: Session, charger_id: str, connector_id: int, status: str, error_code: str | None,
               vendor_error_code: str | None, info: str | None, at: datetime | None) -> None:
        """Record a connector status and, when it changed, a history event."""
        now = utcnow()
        at = at or now
        row = session.get(ConnectorState, (charger_id, connector_id))
        changed = row is None or (row.status, row.error_code, row.vendor_error_code) != (
            status, error_code, vendor_error_code)
        if row is None:
            row = ConnectorState(charger_id=charger_id, connector_id=connector_id, status=status, since=at, updated_at=now)
            session.add(row)
            session.flush()  # a later status of the same batch must find this row
        if changed:
            row.since = at
            session.add(StatusEvent(charger_id=charger_id, kind="status", connector_id=connector_id, status=status,
                                    error_code=error_code, vendor_error_code=vendor_error_code,
                                    info=(info or None) and info[:255], at=at))
        row.status, row.error_code, row.vendor_error_code = status, error_code, vendor_error_code
        row.info, row.updated_at = (info or None) and info[:255], now

    @unit_of_work
    def note(self, session: Session, charger_id: str, kind: str, info: str, **fields: str | None) -> None:
        """Record firmware/diagnostics status or a security event."""
        now = utcnow()
        state = self._state(session, charger_id)
        for name, value in fields.items():
            setattr(state, name, value)
        session.add(StatusEvent(charger_id=charger_id, kind=kind, info=info[:255], at=now))

    @unit_of_work
    def report(self, session: Session, charger_id: str, action: str, summary: str, payload: dict[str, Any]) -> None:
        """Record a fact a charger reported beyond its status (reports.py)."""
        session.add(ChargerReport(charger_id=charger_id, action=action, summary=summary[:255], payload=payload,
                                  at=utcnow()))

    def check_token(self, id_tag: str) -> TokenVerdict:
        """Decide an id tag from the fleet's token list and the unknown-token option."""
        with self.sessions() as session:
            token = session.get(IdToken, id_tag)
            if token is None:
                unknown = (get_value(session, "fleet.unknown_tokens") or "accept").lower()
                return TokenVerdict("Accepted" if unknown == "accept" else "Invalid")
            if token.status == "Accepted" and token.expiry is not None and token.expiry < utcnow().date():
                return TokenVerdict("Expired", token.expiry, token.group)
            return TokenVerdict(token.status, token.expiry, token.group)

    @unit_of_work
    def failed_attempt(self, session: Session, charger_id: str, connector_id: int | None, id_tag: str | None,
                       outcome: str, reason: str) -> None:
        """Record an attempt that never became a charging session."""
        now = utcnow()
        session.add(ChargingSession(
            charger_id=charger_id, connector_id=connector_id, outcome=outcome, reason=reason[:100],
            id_tag_masked=mask_id_tag(id_tag) or None, id_tag_hash=tag_hash(id_tag) if id_tag else None,
            started_at=now, stopped_at=now))

    @unit_of_work
    def start_session(self, session: Session, charger_id: str, connector_id: int | None, id_tag: str | None,
                      meter_start_wh: float | None, at: datetime | None, transaction_id: str | None) -> str:
        """Open a session; returns its transaction id (ours, the row id, when the charger has none)."""
        row = ChargingSession(
            charger_id=charger_id, connector_id=connector_id, transaction_id=transaction_id, outcome="active",
            id_tag_masked=mask_id_tag(id_tag) or None, id_tag_hash=tag_hash(id_tag) if id_tag else None,
            started_at=at or utcnow(), meter_start_wh=meter_start_wh, energy_wh=0.0)
        session.add(row)
        session.flush()
        if transaction_id is None:
            row.transaction_id = str(row.id)
        return row.transaction_id  # type: ignore[return-value]

    def _active(self, session: Session, charger_id: str, transaction_id: str) -> ChargingSession | None:
        return session.scalar(select(ChargingSession).where(
            ChargingSession.charger_id == charger_id, ChargingSession.transaction_id == transaction_id,
            ChargingSession.outcome == "active").order_by(ChargingSession.id.desc()).limit(1))

    @unit_of_work
    def meter(self, session: Session, charger_id: str, transaction_id: str | None, connector_id: int | None,
              energy_wh: float | None, power_w: float | None) -> None:
        """Update energy so far and present power of the active session."""
        row = self._active(session, charger_id, transaction_id) if transaction_id else None
        if row is None and connector_id:
            row = session.scalar(select(ChargingSession).where(
                ChargingSession.charger_id == charger_id, ChargingSession.connector_id == connector_id,
                ChargingSession.outcome == "active").order_by(ChargingSession.id.desc()).limit(1))
        if row is None:
            return
        if energy_wh is not None:
            if row.meter_start_wh is None:
                row.meter_start_wh = energy_wh
            row.energy_wh = max(0.0, energy_wh - row.meter_start_wh)
        if power_w is not None:
            row.power_w = power_w

    @unit_of_work
    def stop_session(self, session: Session, charger_id: str, transaction_id: str, meter_stop_wh: float | None,
                     reason: str | None, at: datetime | None) -> str | None:
        """Close a session and classify it (completed, or failed on an error reason or ~0 kWh)."""
        row = self._active(session, charger_id, transaction_id)
        if row is None:
            log.warning("stop for unknown transaction charger=%s transaction=%s", charger_id, transaction_id)
            return None
        row.stopped_at, row.reason, row.power_w = at or utcnow(), (reason or "Local")[:100], 0.0
        if meter_stop_wh is not None:
            row.meter_stop_wh = meter_stop_wh
            row.energy_wh = max(0.0, meter_stop_wh - (row.meter_start_wh or meter_stop_wh))
        failed = (reason in ERROR_REASONS) or (row.energy_wh or 0.0) < MIN_ENERGY_WH
        row.outcome = "failed" if failed else "completed"
        return row.outcome

    def active_transaction(self, charger_id: str, connector_id: int | None) -> str | None:
        """The transaction id running on a connector (any connector when None)."""
        with self.sessions() as session:
            query = select(ChargingSession.transaction_id).where(
                ChargingSession.charger_id == charger_id, ChargingSession.outcome == "active")
            if connector_id:
                query = query.where(ChargingSession.connector_id == connector_id)
            return session.scalar(query.order_by(ChargingSession.id.desc()).limit(1))

    @unit_of_work
    def audit(self, session: Session, charger_id: str, requested_by: str, action: str, params: dict[str, Any],
              status: str, answer: dict[str, Any] | None, verified: bool | None, observed: list[Any],
              detail: str | None, command_id: str | None = None, claimed_by: str | None = None) -> int:
        """Write one audit row; returns its id."""
        row = CommandAudit(charger_id=charger_id, requested_by=requested_by[:120], at=utcnow(), action=action,
                           params=params, status=status[:32], answer=answer, verified=verified,
                           observed=observed, detail=detail, command_id=command_id and command_id[:64],
                           node_id=self.node_id, claimed_by=claimed_by and claimed_by[:120])
        session.add(row)
        session.flush()
        return row.id

    @unit_of_work
    def audit_finish(self, session: Session, audit_id: int, status: str, answer: dict[str, Any] | None,
                     verified: bool | None, observed: list[Any], detail: str | None) -> None:
        """Record the outcome on a command's write-ahead row (written `Pending` before it was sent)."""
        session.execute(update(CommandAudit).where(CommandAudit.id == audit_id).values(
            status=status[:32], answer=answer, verified=verified, observed=observed, detail=detail)
            .execution_options(synchronize_session=False))
