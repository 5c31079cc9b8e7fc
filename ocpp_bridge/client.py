"""The synchronous client the web process (bot/, handoff/) uses to ask the bridge for remote commands."""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

import requests

from bot.errors import (
    ChargeLineError,
    ChargerUnreachable,
    PolicyRefused,
    UnknownCharger,
)
from ocpp_bridge.commands import BadCommand, CommandTimeout

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandResult:
    """The charger's answer to a command and what its own messages showed afterwards."""

    status: str
    verified: bool | None
    observed: list[dict[str, Any]] = field(default_factory=list)
    audit_id: int | None = None
    detail: str | None = None
    answer: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The contracts.md shape: status, verified, observed, audit_id (plus detail/answer when present)."""
        data = asdict(self)
        return {k: v for k, v in data.items() if k not in ("detail", "answer") or v is not None}


class BridgeClient:
    """Talk to a bridge node's control API; safe to share between threads."""

    def __init__(self, base_url: str, token: str, timeout: float = 90.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout
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
                requested_by: str) -> CommandResult:
        """Run a remote command; raises ChargerUnreachable, PolicyRefused, UnknownCharger or BadCommand."""
        body: dict[str, Any] = {"charger_id": charger_id, "action": action, "params": params or {}, "verify": verify,
                "requested_by": requested_by}
        try:
            response = self._session().post(f"{self.base_url}/commands", json=body, timeout=self.timeout)
        except requests.Timeout as exc:
            raise ChargerUnreachable(f"the bridge did not answer {action} for {charger_id} "
                                     f"within {self.timeout:g}s") from exc
        except requests.RequestException as exc:
            raise ChargerUnreachable(f"the bridge at {self.base_url} cannot be reached") from exc
        data = _json(response)
        if response.status_code == 200:
            return CommandResult(status=str(data.get("status")), verified=data.get("verified"),
                                 observed=list(data.get("observed") or []), audit_id=data.get("audit_id"),
                                 detail=data.get("detail"), answer=data.get("answer"))
        detail = str(data.get("detail") or data.get("error") or f"HTTP {response.status_code}")
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

    def health(self) -> dict[str, Any]:
        """The node's liveness answer; raises ChargerUnreachable when the bridge is down."""
        try:
            response = self._session().get(f"{self.base_url}/healthz", timeout=min(self.timeout, 5.0))
        except requests.RequestException as exc:
            raise ChargerUnreachable(f"the bridge at {self.base_url} cannot be reached") from exc
        return _json(response)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise ChargeLineError(f"the bridge answered HTTP {response.status_code} without JSON") from None
    return data if isinstance(data, dict) else {}
