"""What every protocol's handler class shares: a strict receive loop, flood control, concise redacted logs.

Every frame is read by frames.py and every CALL checked by checks.py before a handler sees it. A charger's
mistake (a malformed frame, a payload off its schema, an integer beyond 32 bits, a connector the fleet does not
know) is answered with the CALLERROR OCPP-J prescribes and logged as one WARNING line without a traceback; only an
exception from our own handler is logged at ERROR with its traceback (and answered InternalError).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

from ocpp.charge_point import camel_to_snake_case, remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.exceptions import (
    NotImplementedError,
    NotSupportedError,
    OCPPError,
    PropertyConstraintViolationError,
    SecurityError,
    TypeConstraintViolationError,
)
from ocpp.messages import Call, CallError, CallResult
from ocpp.v16.enums import Action as Action16
from ocpp.v201.enums import Action as Action201
from websockets.exceptions import ConnectionClosed

from bot.logs import mask_id_tag
from ocpp_bridge import checks, tokens
from ocpp_bridge.core import Core
from ocpp_bridge.frames import CALL, CALLERROR, CALLRESULT, Frame, FrameError, parse_frame, value_problem, wire_code

log = logging.getLogger(__name__)

_TAG = re.compile(r"""(['"](?:idTag|idToken|id_tag|id_token|parentIdTag|parent_id_tag)['"]\s*:\s*['"])([^'"]*)(['"])""")
_ACTIONS = {"ocpp1.6": frozenset(a.value for a in Action16), "ocpp2.0.1": frozenset(a.value for a in Action201)}
MAX_DESCRIPTION = 255  # OCPP 2.0.1 caps errorDescription at 255 characters


def redact(text: str) -> str:
    """Mask id tags inside a logged frame or payload (first and last two characters kept)."""
    return _TAG.sub(lambda m: f"{m.group(1)}{mask_id_tag(m.group(2))}{m.group(3)}", text)


class RedactingLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The ocpp and websockets packages log whole frames; never let a raw id tag reach the log."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return redact(str(msg)), kwargs

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        if self.isEnabledFor(level):
            text = redact(str(msg) % args if args else str(msg))
            self.logger.log(level, "%s", text, **kwargs)


WIRE_LOG = logging.getLogger("ocpp_bridge.wire")


class TokenBucket:
    """Allow `rate` frames per second with bursts of `burst`."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, float(burst), clock
        self.tokens, self.stamp = float(burst), clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class FloodGuard:
    """Rate-limit one charger's frames and decide when its flood has lasted long enough to close the socket.

    A flood is `close_after` frames refused within `window` seconds. Counting refusals in a window, not in a row,
    matters: at 1,000 frames/s a 10/s bucket still admits one frame every 100 ms, which used to reset the count.
    """

    def __init__(self, rate: float | None, burst: int, close_after: int | None, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.bucket = TokenBucket(rate, burst, clock) if rate is not None else None
        self.close_after, self.window, self.clock = close_after, window, clock
        self.refused: deque[float] = deque(maxlen=close_after or 1)

    def admit(self) -> bool:
        """True when this frame is within the rate."""
        return self.bucket is None or self.bucket.take()

    def refuse(self) -> bool:
        """Count a refused frame; True when the flood limit is reached and the socket should close."""
        now = self.clock()
        self.refused.append(now)
        return (self.close_after is not None and len(self.refused) >= self.close_after
                and now - self.refused[0] <= self.window)


class LinkMixin:
    """Mixed into ocpp's ChargePoint: the loop that reads frames and never dies on bad input."""

    protocol: str
    id: str
    core: Core
    route_map: dict[str, dict[str, Any]]
    _connection: Any
    _call_lock: Any
    _response_queue: Any

    def setup_link(self, core: Core) -> None:
        options = core.options
        self.core = core
        self.logger = RedactingLogger(WIRE_LOG, {})
        self._response_timeout = options.command_timeout
        self._guard = FloodGuard(options.rate_per_second, options.rate_burst, options.flood_close_after,
                                 options.flood_window)
        self._flooding = False
        self._closing = False
        self._connectors: checks.Connectors | None = None
        self.boot_status: str | None = None  # our last BootNotification answer (None: no boot yet)
        self._triggered: set[str] = set()  # messages we asked for with TriggerMessage, allowed while Pending
        self.closed_reason = "connection closed"

    async def serve(self) -> None:
        """Read frames until the socket closes; bad frames get a CALLERROR, floods get refused, then closed."""
        try:
            async for raw in self._connection:
                self.core.seen(self.id)
                if self._closing:
                    continue  # keep reading so the close handshake is not stuck behind unread frames
                if not self._guard.admit():
                    await self._flooded(raw)
                    continue
                self._flooding = False
                try:
                    await self.route_message(raw)
                except ConnectionClosed:
                    raise
                except Exception:
                    log.exception("charger=%s frame handling failed", self.id)  # a bug of ours, not the charger's
        except ConnectionClosed as exc:
            self.closed_reason = f"connection closed ({exc.rcvd.code if exc.rcvd else 'no close frame'})"

    async def _flooded(self, raw: Any) -> None:
        """Answer a CALL over the rate limit with a CALLERROR; close the socket once the flood limit is reached."""
        if not self._flooding:
            self._flooding = True
            log.warning("charger=%s sends faster than its rate limit (%s frames/s, bursts of %s); refusing frames",
                        self.id, self.core.options.rate_per_second, self.core.options.rate_burst)
        if self._guard.refuse():
            log.warning("charger=%s flooded: %d frames refused within %.0f s; closing the connection (1008)",
                        self.id, self.core.options.flood_close_after, self.core.options.flood_window)
            self._closing = True
            self.closed_reason = "closed: message flood"
            self.core.spawn(self._connection.close(1008, "message rate limit exceeded"), f"close flooding {self.id}")
            return
        try:
            frame = parse_frame(raw)
        except FrameError:
            return
        if frame.type_id == CALL:
            await self._send(CallError(frame.unique_id, "GenericError", "Rate limit exceeded; slow down", {}).to_json())

    async def route_message(self, raw_msg: Any) -> None:
        """Read one frame: answer a CALL, hand a CALLRESULT or CALLERROR to the waiting command."""
        try:
            frame = parse_frame(raw_msg)
        except FrameError as error:
            self._refused(error.action, error.unique_id, error.code, error.description)
            if error.reply:
                await self._send_error(error.unique_id, error.code, error.description)
            return
        if frame.type_id == CALL:
            await self._answer(frame)
        else:
            self._response(frame)

    async def _answer(self, frame: Frame) -> None:
        """Check a CALL, run its handler and send the CALLRESULT, or the CALLERROR saying what was wrong."""
        action = frame.action or ""
        try:
            handler = self._handler(action)
            self._check_boot_state(action)
            await self._check(action, frame.payload)
        except OCPPError as error:
            self._refused(action, frame.unique_id, error.code, str(error.description))
            await self._send_error(frame.unique_id, error.code, str(error.description))
            return
        try:
            result = await handler(**camel_to_snake_case(frame.payload))
            payload = snake_to_camel_case(remove_nones(serialize_as_dict(result)))
            checks.check_response(self.protocol, action, payload)
        except OCPPError as error:  # a handler refusing on purpose
            self._refused(action, frame.unique_id, error.code, str(error.description))
            await self._send_error(frame.unique_id, error.code, str(error.description))
            return
        except ConnectionClosed:
            raise
        except Exception:
            log.exception("charger=%s action=%s: our handler failed", self.id, action)
            await self._send_error(frame.unique_id, "InternalError", "An internal error occurred")
            return
        await self._send(CallResult(frame.unique_id, payload).to_json())

    def _handler(self, action: str) -> Any:
        handler = self.route_map.get(action, {}).get("_on_action")
        if handler is not None:
            return handler
        if action in _ACTIONS[self.protocol]:
            raise NotImplementedError(description=f"{action} is not handled by this central system")
        raise NotSupportedError(description=f"{action[:40]} is not an {self.protocol} action")

    async def boot_answer(self) -> tuple[str, int]:
        """The answer to this BootNotification (an operator may have set Pending or Rejected) and its interval."""
        self.boot_status = await self.core.db(tokens.boot_answer, self.core.store.sessions, self.id)
        accepted = self.boot_status == "Accepted"
        return self.boot_status, self.core.options.heartbeat_interval if accepted else self.core.options.boot_retry

    def _check_boot_state(self, action: str) -> None:
        """While we answer its boot Pending or Rejected, a charger may send BootNotification and what we triggered."""
        if self.boot_status in (None, "Accepted") or action == "BootNotification":
            return
        if self.boot_status == "Pending" and action in self._triggered:
            self._triggered.discard(action)
            return
        raise SecurityError(description=f"{action} is not allowed while the boot is {self.boot_status}")

    async def _check(self, action: str, payload: dict[str, Any]) -> None:
        """Values, schema and connectors of a CALL, in that order (the cheap iterative walk guards the others)."""
        problem = value_problem(payload)
        if problem is not None:
            raise TypeConstraintViolationError(description=problem)
        checks.check_schema(self.protocol, action, payload)
        limit = self.core.options.max_connectors
        checks.check_local_ids(self.protocol, action, payload, limit)
        for field, connector_id, zero_ok in checks.fleet_ids(self.protocol, action, payload):
            if self._connectors is None or not self._connectors.allows(connector_id, zero_ok):
                # read on first use, and again on a miss in case the fleet was imported since
                listed = await self.core.db(checks.fleet_connectors, self.core.store.sessions, self.id)
                self._connectors = checks.Connectors(listed, limit)
            if not self._connectors.allows(connector_id, zero_ok):
                known = ", ".join(map(str, sorted(self._connectors.listed))) or f"1..{limit}"
                raise PropertyConstraintViolationError(
                    description=f"{field}: {connector_id} is not a connector of this charger ({known})")

    def _response(self, frame: Frame) -> None:
        """Hand a CALLRESULT or CALLERROR to the command waiting for it; one nobody waits for is dropped."""
        if not self._call_lock.locked():
            log.warning("charger=%s sent a %s for message %s that no command is waiting for; ignored", self.id,
                        "CALLRESULT" if frame.type_id == CALLRESULT else "CALLERROR", frame.unique_id)
            return
        if frame.type_id == CALLERROR:
            self._response_queue.put_nowait(CallError(frame.unique_id, frame.error_code, frame.error_description,
                                                      frame.payload))
            return
        problem = value_problem(frame.payload)
        if problem is not None:  # the command then fails with this error instead of storing the value
            self._refused(None, frame.unique_id, "TypeConstraintViolation", problem)
            self._response_queue.put_nowait(CallError(frame.unique_id, "TypeConstraintViolation", problem, {}))
            return
        self._response_queue.put_nowait(CallResult(frame.unique_id, frame.payload))

    def _refused(self, action: str | None, unique_id: str, code: str, description: str) -> None:
        """The one WARNING line for an invalid message: charger, action, message id, what was wrong."""
        log.warning("charger=%s action=%s message=%s invalid: %s: %s", self.id, action or "-", unique_id,
                    wire_code(code, self.protocol), description[:MAX_DESCRIPTION])

    async def _send_error(self, unique_id: str, code: str, description: str) -> None:
        error = CallError(unique_id, wire_code(code, self.protocol), description[:MAX_DESCRIPTION], {})
        await self._send(error.to_json())

    async def _send(self, message: str) -> None:
        # ocpp logs every frame at INFO with raw id tags; we keep the wire log at DEBUG and redacted
        if WIRE_LOG.isEnabledFor(logging.DEBUG):
            WIRE_LOG.debug("%s: send %s", self.id, redact(message))
        await self._connection.send(message)

    async def send_call(self, payload: Any) -> Any:
        """Send a command and return the typed answer; a CALLERROR raises OCPPError, silence TimeoutError."""
        if payload.__class__.__name__ == "TriggerMessage":
            self._triggered.add(str(payload.requested_message))
        return await self.call(payload, suppress=False)  # type: ignore[attr-defined]

    async def send_raw(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send a CALL as given (native field names, already checked) and return the CALLRESULT payload as sent."""
        if action in ("TriggerMessage", "ExtendedTriggerMessage"):
            self._triggered.add(str(payload.get("requestedMessage")))
        call = Call(str(uuid.uuid4()), action, payload)
        async with self._call_lock:
            await self._send(call.to_json())
            response = await self._get_specific_response(call.unique_id, self._response_timeout)  # type: ignore[attr-defined]
        if isinstance(response, CallError):
            raise response.to_exception()
        return response.payload  # type: ignore[no-any-return]

    async def close(self, code: int, reason: str) -> None:
        """Close the socket (the serve loop then ends and the charger is marked offline)."""
        self.closed_reason = reason
        self._closing = True
        await self._connection.close(code, reason)

