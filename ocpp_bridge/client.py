"""The synchronous client the web process (bot/, handoff/) uses to ask the bridge for remote commands."""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from bot.errors import (
    ChargeLineError,
    ChargerUnreachable,
    PolicyRefused,
    UnknownCharger,
)
from ocpp_bridge.calls import CommandTimeout
from ocpp_bridge.commands import BadCommand
from ocpp_bridge.models import CommandAudit

log = logging.getLogger(__name__)
UNKNOWN = "Unknown"  # the status of a command that may have reached the charger but whose answer was lost
UNKNOWN_DETAIL = "the bridge was lost before the charger's answer came back; the charger may have executed it"


@dataclass(frozen=True)
class CommandResult:
    """The charger's answer to a command and what its own messages showed afterwards."""

    status: str
    verified: bool | None
    observed: list[dict[str, Any]] = field(default_factory=list)
    audit_id: int | None = None
    detail: str | None = None
    answer: dict[str, Any] | None = None
    command_id: str | None = None

    @property
    def unknown(self) -> bool:
        """True when the command may have run but nobody knows its answer."""
        return self.status == UNKNOWN

    def to_dict(self) -> dict[str, Any]:
        """The commands API shape: status, verified, observed, audit_id (plus detail/answer/command_id if set)."""
        data = asdict(self)
        return {k: v for k, v in data.items() if k not in ("detail", "answer", "command_id") or v is not None}


class BridgeClient:
    """Talk to a bridge node's control API; safe to share between threads."""

    def __init__(self, base_url: str, token: str, timeout: float = 90.0, *,
                 sessions: sessionmaker[Session] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.sessions = sessions  # the database, to read the audit of a command whose answer was lost
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"BridgeClient({self.base_url!r})"

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {self._token}"
            self._local.session = session
        return session

    def command(self, charger_id: str, action: str, params: dict[str, Any] | None = None, *, verify: bool = True,
                requested_by: str, claimed_by: str | None = None, payload: dict[str, Any] | None = None,
                caller_role: str | None = None) -> CommandResult:
        """Run a remote command; raises ChargerUnreachable, PolicyRefused, UnknownCharger or BadCommand.

        A command that may have reached the charger but whose answer was lost (the bridge died or the
        connection to it dropped mid-command, the charger disconnected before answering) comes back with
        status `Unknown`, never as "not sent". With `payload`, `action` is any central-system action of the
        charger's protocol and `payload` its request in the protocol's own field names (a raw action).
        """
        command_id = uuid.uuid4().hex
        body: dict[str, Any] = {"charger_id": charger_id, "action": action, "params": params or {}, "verify": verify,
                                "requested_by": requested_by, "command_id": command_id}
        if claimed_by:
            body["claimed_by"] = claimed_by
        if payload is not None:  # a raw action: sent as given, the charger's answer comes back verbatim
            body["payload"] = payload
            if caller_role:
                body["caller_role"] = caller_role
        try:
            response = self._session().post(f"{self.base_url}/commands", json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            if not _may_have_arrived(exc):
                raise ChargerUnreachable(f"the bridge at {self.base_url} cannot be reached") from exc
            log.warning("charger=%s %s: the bridge connection was lost mid-command (%s)", charger_id, action,
                        type(exc).__name__)
            return self._lost(charger_id, action, command_id)
        data = _json(response)
        if response.status_code == 200:
            return CommandResult(status=str(data.get("status")), verified=data.get("verified"),
                                 observed=list(data.get("observed") or []), audit_id=data.get("audit_id"),
                                 detail=data.get("detail"), answer=data.get("answer"), command_id=command_id)
        detail = str(data.get("detail") or data.get("error") or f"HTTP {response.status_code}")
        if response.status_code == 502 and data.get("error") == "unknown":
            return CommandResult(UNKNOWN, None, [], data.get("audit_id"), detail, None, command_id)
        if response.status_code == 409:
            raise PolicyRefused(str(data.get("reason") or detail))
        if response.status_code == 404:
            raise UnknownCharger(detail)
        if response.status_code == 400:
            raise BadCommand(detail)
        if response.status_code == 504:
            raise CommandTimeout(detail, data.get("audit_id"))
        if response.status_code == 401:
            log.error("the bridge at %s rejected our API token", self.base_url)
            raise ChargerUnreachable("the bridge rejected the API token")
        raise ChargerUnreachable(detail)

    def _lost(self, charger_id: str, action: str, command_id: str) -> CommandResult:
        """What became of a command whose answer was lost, from its audit row when the database is at hand."""
        if self.sessions is None:
            return CommandResult(UNKNOWN, None, [], None, UNKNOWN_DETAIL, None, command_id)
        with self.sessions() as session:
            row = session.scalars(select(CommandAudit).where(CommandAudit.command_id == command_id)
                                  .order_by(CommandAudit.id.desc()).limit(1)).first()
        if row is None:  # the audit row is written before sending: no row, nothing was sent
            raise ChargerUnreachable(f"the bridge was lost before it sent {action} to {charger_id}")
        if row.status in ("Pending", UNKNOWN):
            return CommandResult(UNKNOWN, None, [], row.id, UNKNOWN_DETAIL, None, command_id)
        return CommandResult(row.status, row.verified, list(row.observed or []), row.id, row.detail, row.answer,
                             command_id)

    def health(self) -> dict[str, Any]:
        """The node's liveness answer; raises ChargerUnreachable when the bridge is down."""
        try:
            response = self._session().get(f"{self.base_url}/healthz", timeout=min(self.timeout, 5.0))
        except requests.RequestException as exc:
            raise ChargerUnreachable(f"the bridge at {self.base_url} cannot be reached") from exc
        return _json(response)


def _may_have_arrived(exc: requests.RequestException) -> bool:
    """False only when the request surely never reached the bridge (no connection could be opened)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
        return not isinstance(reason, (NewConnectionError, ConnectTimeoutError))
    return isinstance(exc, (requests.ReadTimeout, requests.exceptions.ChunkedEncodingError))


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise ChargeLineError(f"the bridge answered HTTP {response.status_code} without JSON") from None
    return data if isinstance(data, dict) else {}
