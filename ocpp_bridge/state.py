"""Read a charger's live state and recent history straight from the database (any process)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.fleet.profile import ChargerProfile, load_charger_profile
from ocpp_bridge.lease import lapsed_since, lease_reason
from ocpp_bridge.models import ChargerState, ChargingSession, ConnectorState
from ocpp_bridge.snapshot import Boot, ChargerSnapshot, ChargeSession, Connector, StatusReport

RECENT_SESSIONS = 10


def _session(row: ChargingSession) -> ChargeSession:
    return ChargeSession(
        id=row.id, connector_id=row.connector_id, transaction_id=row.transaction_id, id_tag=row.id_tag_masked,
        outcome=row.outcome, reason=row.reason, started_at=row.started_at, stopped_at=row.stopped_at,
        energy_kwh=round((row.energy_wh or 0.0) / 1000, 3),
        power_kw=round(row.power_w / 1000, 3) if row.power_w is not None else None,
    )


def _status(row: ConnectorState) -> dict[str, Any]:
    return {"status": row.status, "error_code": row.error_code, "vendor_error_code": row.vendor_error_code,
            "info": row.info, "since": row.since}


def charger_snapshot(session: Session, charger_id: str, profile: ChargerProfile | None = None, *,
                     now: datetime | None = None) -> dict[str, Any] | None:
    """The `GET /api/chargers/{id}` JSON (`load_snapshot(...).to_json()`), or None for a charger nobody knows."""
    snapshot = load_snapshot(session, charger_id, profile, now=now)
    return snapshot.to_json() if snapshot is not None else None


def load_snapshot(session: Session, charger_id: str, profile: ChargerProfile | None = None, *,
                  now: datetime | None = None) -> ChargerSnapshot | None:
    """The charger's live state, or None for a charger nobody knows.

    `profile` is the charger's fleet data when the caller holds a cached copy; without it, it is read here.
    A charger whose bridge node stopped renewing its lease reads as offline since the node was last alive.
    """
    if profile is None:
        profile = load_charger_profile(session, charger_id)
    state = session.get(ChargerState, charger_id)
    if profile is None and state is None:
        return None
    online = bool(state and state.online)
    offline_since = state.offline_since if state and not state.online else None
    offline_reason = state.offline_reason if state and not state.online else None
    lost = lapsed_since(session, state, now or datetime.now(UTC)) if state is not None else None
    if state is not None and lost is not None:
        online, offline_since, offline_reason = False, lost, lease_reason(state.node_id or "?")
    reported = {row.connector_id: row for row in session.scalars(
        select(ConnectorState).where(ConnectorState.charger_id == charger_id))}
    connectors = []
    declared = {cid: (kind, max_kw) for cid, kind, max_kw in profile.connectors} if profile is not None else {}
    for cid in sorted(set(declared) | {c for c in reported if c != 0}):
        row, (kind, max_kw) = reported.get(cid), declared.get(cid, (None, None))
        status = _status(row) if row else {"status": "Unknown"}
        connectors.append(Connector(id=cid, type=kind, max_kw=max_kw, **status))
    whole = reported.get(0)
    sessions, active = _recent_and_active_sessions(session, charger_id)
    return ChargerSnapshot(
        id=charger_id,
        label=profile.label if profile is not None else None,
        site_id=profile.site_id if profile is not None else None,
        site_type=profile.site_type if profile is not None else None,
        online=online,
        online_since=state.online_since if state and online else None,
        offline_since=offline_since,
        offline_reason=offline_reason,
        last_heartbeat=state.last_heartbeat if state else None,
        last_seen=state.last_seen if state else None,
        protocol=state.protocol if state else None,
        boot=Boot(vendor=state.vendor, model=state.model, firmware_version=state.firmware_version,
                  serial_number=state.serial_number, booted_at=state.booted_at,
                  firmware_status=state.firmware_status) if state else None,
        charger_status=StatusReport(**_status(whole)) if whole else None,
        connectors=tuple(connectors),
        active_transactions=tuple(active),
        recent_sessions=tuple(_session(s) for s in sessions),
    )


def _recent_and_active_sessions(session: Session, charger_id: str) -> tuple[list[ChargingSession],
                                                                           list[ChargeSession]]:
    """The newest sessions (newest first) and the active ones (oldest first), in one query."""
    newest = (select(ChargingSession.id).where(ChargingSession.charger_id == charger_id)
              .order_by(ChargingSession.id.desc()).limit(RECENT_SESSIONS))
    rows = list(session.scalars(select(ChargingSession).where(
        ChargingSession.charger_id == charger_id,
        or_(ChargingSession.outcome == "active", ChargingSession.id.in_(newest)))
        .order_by(ChargingSession.id.desc())))
    # the newest ids all sort before any older active session, so the first rows are the recent ones
    recent = rows[:RECENT_SESSIONS]
    active = [_session(row) for row in reversed(rows) if row.outcome == "active"]
    return recent, active
