"""The operator's CSMS for relay tests: a real central system built on the `ocpp` package that records every frame.

It answers chargers as tests/ocpp_bridge/simulator/minicsms.py does (any tag but 0BADCAFE01 accepted, 1.6
transaction ids from 100), refuses handshakes on request (401 without the right password, 404 for chargers it
does not know), and can be stopped and started again on the same port.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from ocpp.charge_point import ChargePoint
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from tests.ocpp_bridge.simulator.minicsms import Csms16, Csms201


class _Raw:
    """Records the raw text of every frame received and sent, per charger, in order."""

    csms: OperatorCSMS
    id: str

    async def route_message(self, raw_msg: str) -> None:  # type: ignore[override]
        self.csms.received.setdefault(self.id, []).append(raw_msg)
        self.csms.changed.set()
        try:
            json.loads(raw_msg)
        except ValueError:  # the minicsms recorder reads JSON; the ocpp package itself logs and ignores this
            await ChargePoint.route_message(self, raw_msg)  # type: ignore[arg-type]
            return
        await super().route_message(raw_msg)  # type: ignore[misc]

    async def _send(self, message: str) -> None:
        self.csms.sent.setdefault(self.id, []).append(message)
        self.csms.changed.set()
        await super()._send(message)  # type: ignore[misc]


class Upstream16(_Raw, Csms16):
    pass


class Upstream201(_Raw, Csms201):
    pass


@dataclass
class OperatorCSMS:
    """Chargers connect to `{url}/{id}`; `passwords` (when set for a charger) is checked, `unknown` get 404."""

    passwords: dict[str, str] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    subprotocols: tuple[str, ...] = ("ocpp1.6", "ocpp2.0.1")
    port: int = 0
    points: dict[str, Any] = field(default_factory=dict)
    messages: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    received: dict[str, list[str]] = field(default_factory=dict)
    sent: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)
    connections: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    _server: Server | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    def process_request(self, connection: ServerConnection, request: Any) -> Any:
        charger_id = request.path.rsplit("/", 1)[-1]
        self.headers[charger_id] = request.headers
        if charger_id in self.unknown:
            return connection.respond(HTTPStatus.NOT_FOUND, "no such charge point\n")
        password = self.passwords.get(charger_id)
        if password is not None:
            expected = base64.b64encode(f"{charger_id}:{password}".encode()).decode()
            if request.headers.get("Authorization") != f"Basic {expected}":
                response = connection.respond(HTTPStatus.UNAUTHORIZED, "bad credentials\n")
                response.headers["WWW-Authenticate"] = 'Basic realm="csms"'
                return response
        return None

    async def handler(self, ws: ServerConnection) -> None:
        charger_id = ws.request.path.rsplit("/", 1)[-1]  # type: ignore[union-attr]
        cls = Upstream16 if ws.subprotocol == "ocpp1.6" else Upstream201
        point = cls(charger_id, ws, response_timeout=3)
        point.csms = self  # type: ignore[attr-defined]
        self.points[charger_id] = point
        self.connections += 1
        self.changed.set()
        try:
            with contextlib.suppress(ConnectionClosed):
                await point.start()
        finally:
            self.changed.set()

    async def start(self) -> OperatorCSMS:
        self._server = await serve(self.handler, "127.0.0.1", self.port,
                                   subprotocols=list(self.subprotocols),  # type: ignore[arg-type]
                                   process_request=self.process_request)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def send(self, charger_id: str, payload: Any) -> Any:
        """Send a command to a charger (through whatever sits between) and return its typed answer."""
        return await self.points[charger_id].call(payload, suppress=False)

    def actions(self, charger_id: str) -> list[str]:
        return [a for a, _ in self.messages.get(charger_id, [])]

    async def wait_for(self, predicate: Any, timeout: float = 10) -> None:
        """Wait until predicate() holds (woken by each message and connection)."""
        async def loop() -> None:
            while not predicate():
                self.changed.clear()
                await self.changed.wait()
        await asyncio.wait_for(loop(), timeout)


async def until(predicate: Any, timeout: float = 5) -> None:
    """Poll a condition nothing signals (a relay's internal queue) until it holds."""
    async def loop() -> None:
        while not predicate():
            await asyncio.sleep(0.005)
    await asyncio.wait_for(loop(), timeout)
