"""Bridge tables: what the chargers report (live state and history) and what we asked of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base


class ChargerState(Base):
    """One row per charger that ever connected: connectivity and boot facts."""

    __tablename__ = "ocpp_charger_state"

    charger_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    online_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    offline_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    offline_reason: Mapped[str | None] = mapped_column(String(100))
    last_heartbeat: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    protocol: Mapped[str | None] = mapped_column(String(16))
    node_id: Mapped[str | None] = mapped_column(String(100), index=True)  # the bridge node serving it
    vendor: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(100))
    firmware_version: Mapped[str | None] = mapped_column(String(100))
    serial_number: Mapped[str | None] = mapped_column(String(100))
    booted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    firmware_status: Mapped[str | None] = mapped_column(String(50))
    diagnostics_status: Mapped[str | None] = mapped_column(String(50))
    boot_answer: Mapped[str | None] = mapped_column(String(16))  # Pending | Rejected set by an operator; None: Accepted

    def __repr__(self) -> str:
        return f"ChargerState(charger_id={self.charger_id!r}, online={self.online!r})"


class ConnectorState(Base):
    """The latest status a charger reported for one connector (0 = the whole charger)."""

    __tablename__ = "ocpp_connector_state"

    charger_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    connector_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    error_code: Mapped[str | None] = mapped_column(String(50))
    vendor_error_code: Mapped[str | None] = mapped_column(String(50))
    info: Mapped[str | None] = mapped_column(String(255))
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"ConnectorState(charger_id={self.charger_id!r}, connector_id={self.connector_id}, status={self.status!r})"


class StatusEvent(Base):
    """Every status change and connectivity change (uptime and repeat-incident history)."""

    __tablename__ = "ocpp_status_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    charger_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # status | online | offline | boot | security
    connector_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(50))
    error_code: Mapped[str | None] = mapped_column(String(50))
    vendor_error_code: Mapped[str | None] = mapped_column(String(50))
    info: Mapped[str | None] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    def __repr__(self) -> str:
        return f"StatusEvent(charger_id={self.charger_id!r}, kind={self.kind!r}, status={self.status!r})"


class ChargingSession(Base):
    """A charging session or a failed attempt at one (rejected tag, start that never began)."""

    __tablename__ = "ocpp_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    charger_id: Mapped[str] = mapped_column(String(64), index=True)
    connector_id: Mapped[int | None] = mapped_column(Integer)
    transaction_id: Mapped[str | None] = mapped_column(String(64), index=True)
    id_tag_masked: Mapped[str | None] = mapped_column(String(64))
    id_tag_hash: Mapped[str | None] = mapped_column(String(64))
    # active | completed | failed | rejected | start_failed
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    meter_start_wh: Mapped[float | None] = mapped_column(Float)
    meter_stop_wh: Mapped[float | None] = mapped_column(Float)
    energy_wh: Mapped[float | None] = mapped_column(Float)
    power_w: Mapped[float | None] = mapped_column(Float)

    def __repr__(self) -> str:
        return f"ChargingSession(id={self.id}, charger_id={self.charger_id!r}, outcome={self.outcome!r})"


class ChargerReport(Base):
    """A fact a charger reported beyond its status: a charging limit, EV charging needs, log or firmware status,
    a security event, a certificate request (the CALL's payload, id tokens masked)."""

    __tablename__ = "ocpp_charger_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    charger_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(50))
    summary: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    def __repr__(self) -> str:
        return f"ChargerReport(id={self.id}, charger_id={self.charger_id!r}, action={self.action!r})"


class CommandAudit(Base):
    """Every remote command asked of the bridge, refused ones included."""

    __tablename__ = "ocpp_command_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    charger_id: Mapped[str] = mapped_column(String(64), index=True)
    requested_by: Mapped[str] = mapped_column(String(120), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    action: Mapped[str] = mapped_column(String(50))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Pending (written before sending), then the charger's answer, Timeout, Unknown, Refused, CallError
    status: Mapped[str] = mapped_column(String(32), index=True)
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    verified: Mapped[bool | None] = mapped_column(Boolean)
    observed: Mapped[list[Any]] = mapped_column(JSON, default=list)
    detail: Mapped[str | None] = mapped_column(Text)
    command_id: Mapped[str | None] = mapped_column(String(64), index=True)  # the caller's id for this request
    node_id: Mapped[str | None] = mapped_column(String(100))  # the bridge node that sent it
    claimed_by: Mapped[str | None] = mapped_column(String(120))  # who an API caller said it was (not trusted)

    def __repr__(self) -> str:
        return f"CommandAudit(id={self.id}, charger_id={self.charger_id!r}, action={self.action!r}, status={self.status!r})"


class BridgeNode(Base):
    """A bridge node's lease: its chargers count as online only while it keeps renewing."""

    __tablename__ = "ocpp_bridge_nodes"

    node_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    renewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"BridgeNode(node_id={self.node_id!r}, expires_at={self.expires_at!r})"


class SafetyLock(Base):
    """A charger the bot must not touch remotely (a driver reported a safety hazard)."""

    __tablename__ = "ocpp_safety_locks"

    charger_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(255))
    locked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"SafetyLock(charger_id={self.charger_id!r})"
