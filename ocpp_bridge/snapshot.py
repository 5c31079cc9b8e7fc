"""A charger's live state as typed values, with the questions asked of it answered in one place.

`ocpp_bridge.state.load_snapshot` reads it from the database; `ChargerSnapshot.to_json` is the only
place that turns it into the JSON of `GET /api/chargers/{id}`, of a ticket's `charger_snapshot` and so
of the helpdesk webhook (docs/api.md, "Charger state"); `ChargerSnapshot.from_json` reads that JSON back
(a stored ticket, a test's fixture), tolerating keys that older tickets lack.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

NO_ERROR = frozenset({None, "", "NoError"})  # error codes that mean "no error" (the bridge stores None)
OUT_OF_ORDER = frozenset({"Faulted", "Unavailable"})
CHARGING = frozenset({"Charging", "SuspendedEV", "SuspendedEVSE"})  # energy flows, or the car or charger paused it
IN_USE = CHARGING | {"Finishing", "Preparing"}  # a car is plugged in for a session


def iso(value: datetime | None) -> str | None:
    """A time as the snapshot's JSON writes it (`isoformat`, naive when the database gave a naive one)."""
    return value.isoformat() if value is not None else None


def parse_time(value: Any) -> datetime | None:
    """A time from the snapshot's JSON; None when missing or unreadable (an old ticket's odd value)."""
    if isinstance(value, datetime):
        return value
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive times for UTC columns: read them as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, kw_only=True)
class StatusReport:
    """The last StatusNotification of a connector, or of the whole charger (OCPP connector 0)."""

    status: str | None
    error_code: str | None = None
    vendor_error_code: str | None = None
    info: str | None = None
    since: datetime | None = None

    @property
    def erroring(self) -> bool:
        """It reports an error code."""
        return self.error_code not in NO_ERROR

    @property
    def faulted(self) -> bool:
        """Faulted, or reporting an error code, or out of service: what a driver sees as broken."""
        return self.status in OUT_OF_ORDER or self.erroring

    @property
    def free(self) -> bool:
        """Available: free and ready for the next car."""
        return self.status == "Available"

    @property
    def charging(self) -> bool:
        """In a session that charges, or that the car or the charger paused."""
        return self.status in CHARGING

    @property
    def in_use(self) -> bool:
        """A car is plugged in for a session (preparing, charging, paused or finishing)."""
        return self.status in IN_USE

    def to_json(self) -> dict[str, Any]:
        """The `charger_status` object of the snapshot's JSON."""
        return {"status": self.status, "error_code": self.error_code, "vendor_error_code": self.vendor_error_code,
                "info": self.info, "since": iso(self.since)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StatusReport:
        """Read a `charger_status` object."""
        return cls(**_status_fields(data))


@dataclass(frozen=True, kw_only=True)
class Connector(StatusReport):
    """One connector: the fleet's plug type and power beside its last reported status ("Unknown" if none)."""

    id: int
    type: str | None = None
    max_kw: float | None = None

    def to_json(self) -> dict[str, Any]:
        """One entry of the snapshot's `connectors`."""
        return {"id": self.id, "type": self.type, "max_kw": self.max_kw, **super().to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Connector:
        """Read one entry of `connectors`."""
        return cls(id=int(data.get("id") or 0), type=data.get("type"), max_kw=data.get("max_kw"),
                   **_status_fields(data))


def _status_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"status": data.get("status"), "error_code": data.get("error_code"),
            "vendor_error_code": data.get("vendor_error_code"), "info": data.get("info"),
            "since": parse_time(data.get("since"))}


@dataclass(frozen=True, kw_only=True)
class ChargeSession:
    """One charging session as the snapshot shows it (the id tag masked)."""

    id: int | None = None
    connector_id: int | None = None
    transaction_id: str | None = None
    id_tag: str | None = None
    outcome: str | None = None  # active | completed | failed | rejected | ...
    reason: str | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    energy_kwh: float | None = None
    power_kw: float | None = None

    @property
    def active(self) -> bool:
        """Still running."""
        return self.outcome == "active"

    def on(self, connector_id: int | None) -> bool:
        """On this connector (any when None); a session that names no connector counts for every one."""
        return connector_id is None or self.connector_id in (connector_id, None)

    def to_json(self) -> dict[str, Any]:
        """One entry of `recent_sessions` and `active_transactions`."""
        return {"id": self.id, "connector_id": self.connector_id, "transaction_id": self.transaction_id,
                "id_tag": self.id_tag, "outcome": self.outcome, "reason": self.reason,
                "started_at": iso(self.started_at), "stopped_at": iso(self.stopped_at),
                "energy_kwh": self.energy_kwh, "power_kw": self.power_kw}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ChargeSession:
        """Read one session entry."""
        return cls(id=data.get("id"), connector_id=data.get("connector_id"), transaction_id=data.get("transaction_id"),
                   id_tag=data.get("id_tag"), outcome=data.get("outcome"), reason=data.get("reason"),
                   started_at=parse_time(data.get("started_at")), stopped_at=parse_time(data.get("stopped_at")),
                   energy_kwh=data.get("energy_kwh"), power_kw=data.get("power_kw"))


@dataclass(frozen=True, kw_only=True)
class Boot:
    """What the charger said about itself in its last BootNotification."""

    vendor: str | None = None
    model: str | None = None
    firmware_version: str | None = None
    serial_number: str | None = None
    booted_at: datetime | None = None
    firmware_status: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The snapshot's `boot` object."""
        return {"vendor": self.vendor, "model": self.model, "firmware_version": self.firmware_version,
                "serial_number": self.serial_number, "booted_at": iso(self.booted_at),
                "firmware_status": self.firmware_status}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Boot:
        """Read a `boot` object."""
        return cls(vendor=data.get("vendor"), model=data.get("model"), firmware_version=data.get("firmware_version"),
                   serial_number=data.get("serial_number"), booted_at=parse_time(data.get("booted_at")),
                   firmware_status=data.get("firmware_status"))


@dataclass(frozen=True, kw_only=True)
class ChargerSnapshot:
    """A charger's connection, connectors and sessions at one moment, with its fleet data."""

    id: str
    label: str | None = None
    site_id: str | None = None
    site_type: str | None = None
    online: bool = False
    online_since: datetime | None = None
    offline_since: datetime | None = None
    offline_reason: str | None = None
    last_heartbeat: datetime | None = None
    last_seen: datetime | None = None
    protocol: str | None = None
    boot: Boot | None = None
    charger_status: StatusReport | None = None  # OCPP connector 0: the whole charger
    connectors: tuple[Connector, ...] = ()
    active_transactions: tuple[ChargeSession, ...] = ()  # oldest first
    recent_sessions: tuple[ChargeSession, ...] = ()  # newest first

    @property
    def active_transaction(self) -> ChargeSession | None:
        """The newest running session."""
        return self.active_transactions[-1] if self.active_transactions else None

    @property
    def plugs(self) -> tuple[Connector, ...]:
        """The real connectors (OCPP connector 0 is the whole charger, never a plug)."""
        return tuple(c for c in self.connectors if c.id > 0)

    def connector(self, connector_id: int) -> Connector | None:
        """The connector with this id, or None."""
        return next((c for c in self.connectors if c.id == connector_id), None)

    def connectors_on(self, connector_id: int | None) -> tuple[Connector, ...]:
        """This connector (every one when None)."""
        return tuple(c for c in self.connectors if connector_id is None or c.id == connector_id)

    @property
    def faulted(self) -> bool:
        """Some connector is faulted, reports an error code or is out of service."""
        return any(c.faulted for c in self.connectors)

    @property
    def faulted_plugs(self) -> tuple[Connector, ...]:
        """The plugs in trouble (`StatusReport.faulted`)."""
        return tuple(c for c in self.plugs if c.faulted)

    @property
    def free_plugs(self) -> tuple[Connector, ...]:
        """The plugs free for the next car."""
        return tuple(c for c in self.plugs if c.free)

    @property
    def error_codes(self) -> list[str]:
        """The error codes the connectors report, sorted, each once."""
        return sorted({str(c.error_code) for c in self.connectors if c.erroring})

    @property
    def ever_seen(self) -> bool:
        """The bridge has heard from it at some time (a charger that never reported is unknown, not offline)."""
        return bool(self.online or self.last_seen or self.offline_since or self.protocol)

    def offline_minutes(self, now: datetime) -> float:
        """How long it has been offline (0 when online or since an unknown time)."""
        if self.online or self.offline_since is None:
            return 0.0
        return max(0.0, (now - as_utc(self.offline_since)).total_seconds() / 60)

    def active_session(self, connector_id: int | None = None) -> ChargeSession | None:
        """The newest running session, when it is on this connector (or names none, or none is asked about)."""
        tx = self.active_transaction
        return tx if tx is not None and tx.on(connector_id) else None

    def sessions_on(self, connector_id: int | None) -> tuple[ChargeSession, ...]:
        """Every running session on this connector (all when None)."""
        return tuple(s for s in self.active_transactions if s.on(connector_id))

    @property
    def busy_connector(self) -> int | None:
        """The connector a car is plugged into: the running session's, else the only one in use, else None."""
        tx = self.active_transaction
        if tx is not None and tx.connector_id:
            return int(tx.connector_id)
        busy = [c.id for c in self.plugs if c.in_use]
        return busy[0] if len(busy) == 1 else None

    def to_json(self) -> dict[str, Any]:
        """The JSON of `GET /api/chargers/{id}` and of a ticket's `charger_snapshot` (key order is part of it)."""
        active = [s.to_json() for s in self.active_transactions]
        return {
            "id": self.id, "label": self.label, "site_id": self.site_id, "site_type": self.site_type,
            "online": self.online, "online_since": iso(self.online_since), "offline_since": iso(self.offline_since),
            "offline_reason": self.offline_reason, "last_heartbeat": iso(self.last_heartbeat),
            "last_seen": iso(self.last_seen), "protocol": self.protocol,
            "boot": self.boot.to_json() if self.boot is not None else None,
            "charger_status": self.charger_status.to_json() if self.charger_status is not None else None,
            "connectors": [c.to_json() for c in self.connectors],
            "active_transaction": active[-1] if active else None,
            "active_transactions": active,
            "recent_sessions": [s.to_json() for s in self.recent_sessions],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ChargerSnapshot:
        """Read the JSON back; missing keys read as unknown (a ticket stored by an older version, a partial one)."""
        active = data.get("active_transactions")
        if active is None:  # older JSON had only the newest running session
            active = [data["active_transaction"]] if data.get("active_transaction") else []
        boot, whole = data.get("boot"), data.get("charger_status")
        return cls(
            id=str(data.get("id") or ""), label=data.get("label"), site_id=data.get("site_id"),
            site_type=data.get("site_type"), online=bool(data.get("online")),
            online_since=parse_time(data.get("online_since")), offline_since=parse_time(data.get("offline_since")),
            offline_reason=data.get("offline_reason"), last_heartbeat=parse_time(data.get("last_heartbeat")),
            last_seen=parse_time(data.get("last_seen")), protocol=data.get("protocol"),
            boot=Boot.from_json(boot) if isinstance(boot, Mapping) else None,
            charger_status=StatusReport.from_json(whole) if isinstance(whole, Mapping) and whole else None,
            connectors=tuple(Connector.from_json(c) for c in data.get("connectors") or [] if isinstance(c, Mapping)),
            active_transactions=tuple(ChargeSession.from_json(s) for s in active if isinstance(s, Mapping)),
            recent_sessions=tuple(ChargeSession.from_json(s) for s in data.get("recent_sessions") or []
                                  if isinstance(s, Mapping)),
        )
