"""What both protocol sides share: recording received commands, timed sends, silence."""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ocpp.exceptions import OCPPError
from ocpp.messages import MessageType

HISTORY = 2000  # commands and messages kept per charger; a long run must not grow without bound


def now_iso() -> str:
    """The current UTC time as OCPP writes it."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Received:
    """A command the charger received from the CSMS, and what it answered (None: no answer)."""

    action: str
    payload: dict[str, Any]
    response: str | None = None
    at: float = field(default_factory=time.time)


@dataclass
class Sent:
    """A message the charger sent, the CSMS's answer and how long the answer took."""

    action: str
    payload: dict[str, Any]
    response: dict[str, Any] | None
    seconds: float


class RecordingMixin:
    """Mixed into an ocpp ChargePoint: keeps history, drops commands when silent."""

    charger: Any

    def answer(self, status: str) -> str:
        """Note the status this charger answers the command being handled with."""
        if self.charger.received:
            self.charger.received[-1].response = status
        return status

    async def route_message(self, raw_msg: str) -> None:  # type: ignore[override]
        """Record each command; a silent charger never answers one."""
        try:
            message = json.loads(raw_msg)
            is_call = isinstance(message, list) and message[0] == MessageType.Call
        except (ValueError, IndexError, KeyError, TypeError):
            is_call = False
        if is_call:
            action, payload = str(message[2]), message[3] if isinstance(message[3], dict) else {}
            self.charger.received.append(Received(action, payload))
            self.charger.notify()
            if self.charger.behaviour.name == "silent":
                self.charger.log.info("%s: silent, not answering %s", self.charger.id, action)
                return
        await super().route_message(raw_msg)  # type: ignore[misc]
        if is_call:
            self.charger.run_followups()  # the answer is on the wire: now act on it
        self.charger.notify()

    async def send(self, payload: Any) -> Any:
        """Send one CALL, wait for its result (a CALLERROR raises OCPPError) and record it."""
        started = time.perf_counter()
        result = await self.call(  # type: ignore[attr-defined]
            payload, suppress=False, skip_schema_validation=not self.charger.validate)
        seconds = time.perf_counter() - started
        if self.charger.record_sent:
            self.charger.sent.append(Sent(type(payload).__name__, _as_dict(payload), _as_dict(result), seconds))
        self.charger.latencies.append(seconds)
        return result


def _as_dict(obj: Any) -> dict[str, Any]:
    from ocpp.charge_point import remove_nones, serialize_as_dict

    return remove_nones(serialize_as_dict(obj)) if obj is not None else {}  # type: ignore[return-value]


def new_history() -> deque[Any]:
    """A bounded list for received commands or sent messages."""
    return deque(maxlen=HISTORY)


__all__ = ["OCPPError", "Received", "RecordingMixin", "Sent", "new_history", "now_iso"]
