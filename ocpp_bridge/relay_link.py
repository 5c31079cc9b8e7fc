"""Relay mode: one charger's pair of sockets (charger, operator's CSMS), every frame passed on unchanged.

Frames are forwarded as received, text as text and binary as binary, in order, message ids untouched. Each one is
also read (frames.py) to record what the charger reports (relay_observe.py) and to keep OCPP-J's rule of one
outstanding CALL per direction: a command of ours is injected only while no CALL of the CSMS awaits the charger's
answer, and a CALL of the CSMS waits while ours does (both bounded). Answers to our commands carry our own message
ids and are consumed here, never forwarded. A frame that cannot be read is still forwarded (the peer decides).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from ocpp.charge_point import camel_to_snake_case, remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.messages import Call, CallError, CallResult, _validate_payload
from ocpp.v16 import call_result as result16
from ocpp.v201 import call_result as result201
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from ocpp_bridge.calls import NotSent
from ocpp_bridge.core import Core
from ocpp_bridge.frames import CALL, CALLERROR, Frame, FrameError, parse_frame
from ocpp_bridge.relay_observe import Observer

log = logging.getLogger(__name__)

Dial = Callable[[], Awaitable[ClientConnection]]
Data = str | bytes
ID_PREFIX = "cl-"  # our message ids: "cl-" and 32 hex digits (35 characters; OCPP-J allows 36)
MAX_AWAITING = 64  # charger CALLs whose record waits for the CSMS's answer
MAX_HELD = 200  # frames from the charger kept while a held connection waits for its CSMS
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 30.0


_MARK: dict[type, Any] = {str: f'"{ID_PREFIX}', bytes: f'"{ID_PREFIX}'.encode()}


def _maybe_call(raw: Data) -> bool:
    """False for a frame that is surely no CALL (it opens with `[` and a type id other than 2): it is forwarded
    before it is read. A CALL is read first, so that it is counted before the charger can answer it."""
    text = raw[:64].decode("utf-8", "replace") if isinstance(raw, bytes) else raw[:64]
    head = text.lstrip()
    return not head.startswith("[") or head[1:].lstrip().startswith("2")


def _read(raw: Data) -> Frame | None:
    """The frame, or None when it is not valid OCPP-J (it is passed on all the same)."""
    try:
        return parse_frame(raw)
    except FrameError:
        return None


def _message_id(raw: Data) -> str | None:
    """The message id of a frame that is not valid OCPP-J, when it can be read at all."""
    with contextlib.suppress(ValueError, RecursionError, TypeError):
        data = json.loads(raw)
        if isinstance(data, list) and len(data) > 1 and isinstance(data[1], str):
            return data[1]
    return None


class RelayLink:
    """A charger connected through this node to its CSMS; the Link that injected commands are sent through."""

    def __init__(self, charger_id: str, protocol: str, charger: ServerConnection, upstream: ClientConnection,
                 core: Core, dial: Dial, hold: bool, turn_wait: float) -> None:
        self.id, self.protocol, self.core = charger_id, protocol, core
        self._charger, self._upstream = charger, upstream
        self._dial, self._hold, self._turn_wait = dial, hold, turn_wait
        self._observer = Observer(core, charger_id, protocol)
        self._awaiting_csms: dict[str, tuple[str, dict[str, Any]]] = {}  # charger CALLs recorded at the answer
        self._csms_calls: dict[str, float] = {}  # CSMS CALLs awaiting the charger's answer: id -> when sent
        self._ours: dict[str, asyncio.Future[Frame]] = {}  # our CALLs awaiting the charger's answer
        self._spent: deque[str] = deque(maxlen=32)  # our ids given up on: a late answer is still not forwarded
        self._turn = asyncio.Condition()
        self._held: deque[Data] = deque()
        self._up_ready = True
        self._closed_by_us = False
        self.closed_reason = "connection closed"

    @property
    def held(self) -> int:
        """Frames from the charger waiting for the CSMS connection to come back."""
        return len(self._held)

    # --- the two directions ------------------------------------------------------------------------------------
    async def serve(self) -> None:
        """Relay until the charger goes (the CSMS connection is closed too) or the CSMS goes and is not held."""
        upstream = self.core.spawn(self._upstream_side(), f"relay upstream of {self.id}")
        try:
            async for raw in self._charger:
                self.core.seen(self.id)
                await self._from_charger(raw)
        except ConnectionClosed as exc:
            if not self._closed_by_us:
                self.closed_reason = f"connection closed ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
        finally:
            upstream.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await upstream
            await self._upstream.close(1000, "the charger disconnected")
            for frame in self._held:
                log.warning("charger=%s message=%s not delivered to the CSMS: the charger disconnected first",
                            self.id, _message_id(frame) or "?")

    async def _from_charger(self, raw: Data) -> None:
        if _MARK[type(raw)] in raw:  # may answer one of ours: read it before anything is forwarded
            frame = _read(raw)
            unique_id = frame.unique_id if frame is not None else _message_id(raw)
            if unique_id is not None and (unique_id in self._ours or unique_id in self._spent) and (
                    frame is None or frame.type_id != CALL):
                self._answered(unique_id, frame)
                return
            await self._to_upstream(raw)
        else:  # the common case: forward first, read afterwards (the CSMS's answer is not kept waiting on us)
            await self._to_upstream(raw)
            frame = _read(raw)
        if frame is None:
            return
        if frame.type_id == CALL:
            if self._observer.call(frame.action or "", frame.payload):
                if len(self._awaiting_csms) >= MAX_AWAITING:  # a CSMS that never answers must not grow us
                    del self._awaiting_csms[next(iter(self._awaiting_csms))]
                self._awaiting_csms[frame.unique_id] = (frame.action or "", frame.payload)
        elif frame.unique_id in self._csms_calls:
            async with self._turn:
                self._csms_calls.pop(frame.unique_id, None)
                self._turn.notify_all()

    async def _to_upstream(self, raw: Data) -> None:
        if self._up_ready and not self._held:
            try:
                await self._upstream.send(raw)
                return
            except ConnectionClosed:
                self._up_ready = False
        if not self._hold or len(self._held) >= MAX_HELD:
            log.warning("charger=%s message=%s not delivered to the CSMS: its connection is down", self.id,
                        _message_id(raw) or "?")
            return
        self._held.append(raw)

    async def _from_upstream(self, raw: Data) -> None:
        frame = _read(raw) if _maybe_call(raw) else None
        if frame is not None and frame.type_id == CALL:
            async with self._turn:  # OCPP-J: one CALL at a time to the charger; ours may be outstanding
                await self._wait(lambda: not self._ours, self.core.options.command_timeout)
                self._csms_calls[frame.unique_id] = time.monotonic()
        try:
            await self._charger.send(raw)
        except ConnectionClosed:
            log.warning("charger=%s message=%s from the CSMS not delivered: the charger disconnected", self.id,
                        frame.unique_id if frame is not None else _message_id(raw) or "?")
            return
        frame = frame or _read(raw)  # an answer: forwarded first, read afterwards
        if frame is not None and frame.type_id != CALL:
            waiting = self._awaiting_csms.pop(frame.unique_id, None)
            if waiting is not None and frame.type_id != CALLERROR:
                self._observer.result(waiting[0], waiting[1], frame.payload)

    async def _upstream_side(self) -> None:
        """Pump the CSMS's frames; when its connection drops, close the charger's or hold it and reconnect."""
        while True:
            try:
                async for raw in self._upstream:
                    await self._from_upstream(raw)
                code = self._upstream.close_code
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd else None
            self._up_ready = False
            self._forget_csms_calls()
            if not self._hold:
                log.warning("charger=%s the CSMS closed its connection (%s); closing the charger's", self.id, code)
                await self.close(1011, "central system connection lost")
                return
            log.warning("charger=%s the CSMS closed its connection (%s); holding the charger, reconnecting",
                        self.id, code)
            await self._reconnect()

    async def _reconnect(self) -> None:
        """Dial the CSMS again with back-off; deliver the held frames in order, once, before new ones."""
        delay = BACKOFF_FIRST
        while True:
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)
            try:
                self._upstream = await self._dial()
                while self._held:  # before anything the charger sends from now on
                    await self._upstream.send(self._held[0])
                    self._held.popleft()
            except Exception as exc:  # noqa: BLE001 - refused, unreachable or dropped again: try later
                log.warning("charger=%s CSMS reconnect failed: %r; next try in %.1f s", self.id, exc, delay)
                continue
            self._up_ready = True
            log.info("charger=%s reconnected to the CSMS", self.id)
            return

    def _forget_csms_calls(self) -> None:
        """The CSMS that made these CALLs is gone; the charger's answers still pass, ours need not wait for them."""
        self._csms_calls.clear()
        self._awaiting_csms.clear()

    # --- injected commands -------------------------------------------------------------------------------------
    async def _wait(self, ready: Callable[[], bool], timeout: float) -> bool:
        """Wait (holding self._turn) until ready() or timeout; False when it timed out."""
        try:
            await asyncio.wait_for(self._turn.wait_for(ready), timeout)
            return True
        except TimeoutError:
            return False

    def _drop_stale_csms_calls(self) -> None:
        """A CSMS CALL the charger left unanswered past the command timeout no longer holds our commands back."""
        limit = time.monotonic() - self.core.options.command_timeout
        for unique_id in [i for i, sent in self._csms_calls.items() if sent < limit]:
            log.info("charger=%s never answered the CSMS's message %s; no longer waiting for it", self.id, unique_id)
            del self._csms_calls[unique_id]

    def _answered(self, unique_id: str, frame: Frame | None) -> None:
        future = self._ours.get(unique_id)
        if future is None:
            log.info("charger=%s answered our message %s after we gave up on it; not forwarded", self.id, unique_id)
        elif not future.done():
            future.set_result(frame or Frame(CALLERROR, unique_id, {}, error_code="FormatViolation",
                                             error_description="the charger's answer is not valid OCPP-J"))

    async def send_call(self, payload: Any) -> Any:
        """Send a command with our own message id; return the typed answer (CALLERROR raises OCPPError)."""
        action = payload.__class__.__name__
        frame = await self._exchange(action, snake_to_camel_case(remove_nones(serialize_as_dict(payload))))
        answer = CallResult(frame.unique_id, frame.payload, action)
        _validate_payload(answer, self.protocol.removeprefix("ocpp"))
        module = result16 if self.protocol == "ocpp1.6" else result201
        return getattr(module, action)(**camel_to_snake_case(frame.payload))

    async def send_raw(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send a CALL as given (native field names, already checked); return the charger's answer verbatim."""
        return (await self._exchange(action, payload)).payload

    async def _exchange(self, action: str, body: dict[str, Any]) -> Frame:
        """Send our CALL when the charger is not busy with its CSMS; its CALLRESULT frame (CALLERROR raises)."""
        unique_id = f"{ID_PREFIX}{uuid.uuid4().hex}"
        message = Call(unique_id, action, body)
        future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        async with self._turn:
            self._drop_stale_csms_calls()
            if not await self._wait(lambda: not self._csms_calls and not self._ours, self._turn_wait):
                raise NotSent(f"charger {self.id} is busy answering its CSMS; {action} was not sent "
                              f"(waited {self._turn_wait:g} s)")
            self._ours[unique_id] = future
        try:
            await self._charger.send(message.to_json())
            frame = await asyncio.wait_for(future, self.core.options.command_timeout)
        finally:
            async with self._turn:
                self._ours.pop(unique_id, None)
                self._spent.append(unique_id)
                self._turn.notify_all()
        if frame.type_id == CALLERROR:
            raise CallError(unique_id, frame.error_code or "GenericError", frame.error_description or "",
                            frame.payload).to_exception()
        return frame

    async def close(self, code: int, reason: str) -> None:
        """Close the charger's socket (serve() then closes the CSMS's)."""
        self.closed_reason, self._closed_by_us = reason, True
        await self._charger.close(code, reason)
