"""A tiny test-only central system built on the `ocpp` package, to check what the simulator sends."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from dataclasses import dataclass, field
from http import HTTPStatus
from itertools import count
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint as CP16
from ocpp.v16 import call_result as r16
from ocpp.v16.enums import Action as A16
from ocpp.v201 import ChargePoint as CP201
from ocpp.v201 import call_result as r201
from ocpp.v201.enums import Action as A201
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from bot.fleet.loader import ChargerSpec, ConnectorSpec

NOW = "2026-01-01T00:00:00Z"
BLOCKED = {"0BADCAFE01": "Blocked"}  # every other tag is accepted
_tx_ids = count(100)


class _Recording:
    """Records each CALL the charger sends as (action, payload)."""

    csms: MiniCSMS

    async def route_message(self, raw_msg: str) -> None:  # type: ignore[override]
        import json

        message = json.loads(raw_msg)
        if message[0] == 2:
            self.csms.messages.setdefault(self.id, []).append((message[2], message[3]))  # type: ignore[attr-defined]
            self.csms.changed.set()
        await super().route_message(raw_msg)  # type: ignore[misc]


class Csms16(_Recording, CP16):
    @on(A16.boot_notification)
    def on_boot(self, **kw: Any) -> r16.BootNotification:
        return r16.BootNotification(current_time=NOW, interval=300, status="Accepted")

    @on(A16.heartbeat)
    def on_heartbeat(self, **kw: Any) -> r16.Heartbeat:
        return r16.Heartbeat(current_time=NOW)

    @on(A16.status_notification)
    def on_status(self, **kw: Any) -> r16.StatusNotification:
        return r16.StatusNotification()

    @on(A16.authorize)
    def on_authorize(self, id_tag: str, **kw: Any) -> r16.Authorize:
        return r16.Authorize(id_tag_info={"status": BLOCKED.get(id_tag, "Accepted")})

    @on(A16.start_transaction)
    def on_start(self, id_tag: str, **kw: Any) -> r16.StartTransaction:
        return r16.StartTransaction(transaction_id=next(_tx_ids), id_tag_info={"status": BLOCKED.get(id_tag, "Accepted")})

    @on(A16.stop_transaction)
    def on_stop(self, **kw: Any) -> r16.StopTransaction:
        return r16.StopTransaction()

    @on(A16.meter_values)
    def on_meter(self, **kw: Any) -> r16.MeterValues:
        return r16.MeterValues()


class Csms201(_Recording, CP201):
    @on(A201.boot_notification)
    def on_boot(self, **kw: Any) -> r201.BootNotification:
        return r201.BootNotification(current_time=NOW, interval=300, status="Accepted")

    @on(A201.heartbeat)
    def on_heartbeat(self, **kw: Any) -> r201.Heartbeat:
        return r201.Heartbeat(current_time=NOW)

    @on(A201.status_notification)
    def on_status(self, **kw: Any) -> r201.StatusNotification:
        return r201.StatusNotification()

    @on(A201.notify_event)
    def on_event(self, **kw: Any) -> r201.NotifyEvent:
        return r201.NotifyEvent()

    @on(A201.authorize)
    def on_authorize(self, id_token: dict[str, Any], **kw: Any) -> r201.Authorize:
        return r201.Authorize(id_token_info={"status": BLOCKED.get(id_token["id_token"], "Accepted")})

    @on(A201.transaction_event)
    def on_tx(self, **kw: Any) -> r201.TransactionEvent:
        return r201.TransactionEvent()


@dataclass
class MiniCSMS:
    """Accepts chargers with the right Basic auth; remembers their messages; sends them commands."""

    passwords: dict[str, str]
    url: str = ""
    points: dict[str, Any] = field(default_factory=dict)
    messages: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def process_request(self, connection: ServerConnection, request: Any) -> Any:
        charger_id = request.path.rsplit("/", 1)[-1]
        if self.passwords.get(charger_id) is None:
            return None
        expected = base64.b64encode(f"{charger_id}:{self.passwords.get(charger_id)}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return connection.respond(HTTPStatus.UNAUTHORIZED, "bad credentials\n")
        return None

    async def handler(self, ws: ServerConnection) -> None:
        charger_id = ws.request.path.rsplit("/", 1)[-1]  # type: ignore[union-attr]
        cls = Csms16 if ws.subprotocol == "ocpp1.6" else Csms201
        point = cls(charger_id, ws, response_timeout=2)
        point.csms = self
        self.points[charger_id] = point
        with contextlib.suppress(ConnectionClosed):  # the charger went away: normal for reboots and flapping
            await point.start()

    async def send(self, charger_id: str, payload: Any) -> Any:
        """Send a command to a charger and return its typed result (TimeoutError if silent)."""
        return await self.points[charger_id].call(payload, suppress=False)

    def actions(self, charger_id: str) -> list[str]:
        return [a for a, _ in self.messages.get(charger_id, [])]

    def payloads(self, charger_id: str, action: str) -> list[dict[str, Any]]:
        return [p for a, p in self.messages.get(charger_id, []) if a == action]

    async def wait_for(self, predicate: Any, timeout: float = 5) -> None:
        """Wait until predicate() holds (woken by each message)."""
        async def loop() -> None:
            while not predicate():
                self.changed.clear()
                await self.changed.wait()
        await asyncio.wait_for(loop(), timeout)


def spec(charger_id: str, password: str = "pw-123456", kw: tuple[float, ...] = (150.0, 50.0)) -> ChargerSpec:
    """A charger spec with connectors of these powers."""
    return ChargerSpec(charger_id, "site", charger_id, password,
                       tuple(ConnectorSpec(i + 1, "CCS2", k) for i, k in enumerate(kw)))
