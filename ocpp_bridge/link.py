"""What every protocol's handler class shares: a safe receive loop, flood control, redacted logs."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from ocpp.exceptions import OCPPError
from ocpp.messages import CallError, MessageType, unpack
from websockets.exceptions import ConnectionClosed

from ocpp_bridge.core import Core

log = logging.getLogger(__name__)

_TAG = re.compile(r"""(['"](?:idTag|idToken|id_tag|id_token|parentIdTag)['"]\s*:\s*['"])([^'"]*)(['"])""")


def redact(text: str) -> str:
    """Mask id tags inside a logged frame or payload."""
    return _TAG.sub(lambda m: f"{m.group(1)}{m.group(2)[:2]}******{m.group(3)}", text)


class _RedactingLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The ocpp package logs whole frames; never let a raw id tag reach the log."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return redact(str(msg)), kwargs

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        if self.isEnabledFor(level):
            text = redact(str(msg) % tuple(redact(str(a)) for a in args)) if args else redact(str(msg))
            self.logger.log(level, "%s", text, **kwargs)


WIRE_LOG = logging.getLogger("ocpp_bridge.wire")


class TokenBucket:
    """Allow `rate` frames per second with bursts of `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.stamp = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class LinkMixin:
    """Mixed into ocpp's ChargePoint: the loop that reads frames and never dies on bad input."""

    protocol: str
    id: str
    core: Core
    _connection: Any
    _ocpp_version: str

    def setup_link(self, core: Core) -> None:
        self.core = core
        self.logger = _RedactingLogger(WIRE_LOG, {})
        self._response_timeout = core.options.command_timeout
        self._bucket = TokenBucket(core.options.rate_per_second, core.options.rate_burst)
        self._dropped = 0
        self._closing = False
        self.closed_reason = "connection closed"

    async def serve(self) -> None:
        """Read frames until the socket closes; bad frames get a CALLERROR, floods get dropped, then closed."""
        try:
            async for raw in self._connection:
                self.core.seen(self.id)
                if self._closing:
                    continue  # keep reading so the close handshake is not stuck behind unread frames
                if not self._bucket.take():
                    await self._flooded(raw)
                    continue
                self._dropped = 0
                try:
                    await self.route_message(raw)  # type: ignore[attr-defined]
                except ConnectionClosed:
                    raise
                except Exception:
                    log.exception("charger=%s frame handling failed", self.id)
        except ConnectionClosed as exc:
            self.closed_reason = f"connection closed ({exc.rcvd.code if exc.rcvd else 'no close frame'})"

    async def _flooded(self, raw: Any) -> None:
        """Answer a CALL over the rate limit with a CALLERROR; close after a sustained flood."""
        self._dropped += 1
        if self._dropped == 1:
            log.warning("charger=%s sends faster than %s frames/s; dropping", self.id, self.core.options.rate_per_second)
        if self._dropped >= self.core.options.flood_close_after:
            log.warning("charger=%s flood did not stop; closing the connection", self.id)
            self._closing = True
            self.core.spawn(self.close(1008, "message rate limit exceeded"), f"close flooding {self.id}")
            self.closed_reason = "closed: message flood"
            return
        unique_id = _call_id(raw)
        if unique_id is not None:
            error = CallError(unique_id, "GenericError", "Rate limit exceeded; slow down", {})
            await self._connection.send(error.to_json())

    async def route_message(self, raw_msg: Any) -> None:
        """Route one frame; a frame that is not OCPP gets a CALLERROR when it has a message id."""
        try:
            msg = unpack(raw_msg)
        except OCPPError as error:
            cause = str((error.details or {}).get("cause") or error.description)
            log.warning("charger=%s sent a malformed frame: %s", self.id, cause)
            unique_id = _call_id(raw_msg) or "-1"
            code = "FormationViolation" if self.protocol == "ocpp1.6" and error.code == "FormatViolation" else error.code
            await self._send(CallError(unique_id, code, cause, {}).to_json())
            return
        if msg.message_type_id == MessageType.Call and not isinstance(msg.payload, dict):
            await self._send(CallError(msg.unique_id, "FormationViolation" if self.protocol == "ocpp1.6"
                                       else "FormatViolation", "Payload must be an object", {}).to_json())
            return
        await super().route_message(raw_msg)  # type: ignore[misc]

    async def _send(self, message: str) -> None:
        # ocpp logs every frame at INFO with raw id tags; we keep the wire log at DEBUG and redacted
        if WIRE_LOG.isEnabledFor(logging.DEBUG):
            WIRE_LOG.debug("%s: send %s", self.id, redact(message))
        await self._connection.send(message)

    async def send_call(self, payload: Any) -> Any:
        """Send a command and return the typed answer; a CALLERROR raises OCPPError, silence TimeoutError."""
        return await self.call(payload, suppress=False)  # type: ignore[attr-defined]

    async def close(self, code: int, reason: str) -> None:
        """Close the socket (the serve loop then ends and the charger is marked offline)."""
        self.closed_reason = reason
        self._closing = True
        await self._connection.close(code, reason)


def _call_id(raw: Any) -> str | None:
    """The message id of a frame that looks like a CALL, for answering it with an error."""
    try:
        data = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if isinstance(data, list) and len(data) >= 2 and isinstance(data[1], str) and len(data[1]) <= 36:
        return data[1]
    return None
