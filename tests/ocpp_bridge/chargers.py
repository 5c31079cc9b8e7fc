"""Charger-side test doubles built on the `ocpp` package's own ChargePoint classes (a real OCPP peer)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint as CP16
from ocpp.v16 import call as c16
from ocpp.v16 import call_result as r16
from ocpp.v16.enums import Action as A16
from ocpp.v201 import ChargePoint as CP201
from ocpp.v201 import call as c201
from ocpp.v201 import call_result as r201
from ocpp.v201.enums import Action as A201
from websockets.asyncio.client import connect


def now() -> str:
    return datetime.now(UTC).isoformat()


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class Charger16(CP16):
    """A well-behaved 1.6 charger: accepts commands and reports their effect afterwards."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tasks: set[asyncio.Task[Any]] = set()
        self.received: list[str] = []

    def later(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def status(self, connector: int, status: str, error: str = "NoError", **kw: Any) -> None:
        await self.call(c16.StatusNotification(connector_id=connector, error_code=error, status=status, **kw),
                        suppress=False)

    async def boot(self) -> Any:
        return await self.call(c16.BootNotification(charge_point_vendor="ACME", charge_point_model="Fast-150",
                                                    firmware_version="1.2.3"), suppress=False)

    async def _after_reset(self) -> None:
        await asyncio.sleep(0.05)
        await self.boot()
        await self.status(1, "Available")

    @on(A16.reset)
    async def on_reset(self, type: str, **kw: Any) -> r16.Reset:
        self.received.append("Reset")
        self.later(self._after_reset())
        return r16.Reset(status="Accepted")

    @on(A16.unlock_connector)
    async def on_unlock(self, connector_id: int, **kw: Any) -> r16.UnlockConnector:
        self.received.append("UnlockConnector")
        self.later(self.status(connector_id, "Available"))
        return r16.UnlockConnector(status="Unlocked")

    @on(A16.change_availability)
    async def on_change_availability(self, connector_id: int, type: str, **kw: Any) -> r16.ChangeAvailability:
        self.received.append("ChangeAvailability")
        self.later(self.status(connector_id, "Available" if type == "Operative" else "Unavailable"))
        return r16.ChangeAvailability(status="Accepted")

    @on(A16.remote_start_transaction)
    async def on_remote_start(self, id_tag: str, connector_id: int | None = None, **kw: Any) -> Any:
        self.received.append("RemoteStartTransaction")

        async def start() -> None:
            await self.call(c16.StartTransaction(connector_id=connector_id or 1, id_tag=id_tag, meter_start=1000,
                                                 timestamp=now()), suppress=False)
        self.later(start())
        return r16.RemoteStartTransaction(status="Accepted")

    @on(A16.get_configuration)
    async def on_get_configuration(self, key: list[str] | None = None, **kw: Any) -> r16.GetConfiguration:
        self.received.append("GetConfiguration")
        return r16.GetConfiguration(configuration_key=[{"key": "HeartbeatInterval", "readonly": False, "value": "300"}])


class Charger201(CP201):
    """A well-behaved 2.0.1 station."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tasks: set[asyncio.Task[Any]] = set()

    def later(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def boot(self) -> Any:
        return await self.call(c201.BootNotification(
            charging_station={"vendor_name": "ACME", "model": "Wall-22", "firmware_version": "2.0"},
            reason="PowerUp"), suppress=False)

    async def status(self, evse: int, status: str) -> None:
        await self.call(c201.StatusNotification(timestamp=now(), connector_status=status, evse_id=evse,
                                                connector_id=1), suppress=False)

    async def _after_reset(self) -> None:
        await asyncio.sleep(0.05)
        await self.boot()
        await self.status(1, "Available")

    @on(A201.reset)
    async def on_reset(self, type: str, **kw: Any) -> r201.Reset:
        self.later(self._after_reset())
        return r201.Reset(status="Accepted")

    @on(A201.unlock_connector)
    async def on_unlock(self, evse_id: int, connector_id: int, **kw: Any) -> r201.UnlockConnector:
        self.later(self.status(evse_id, "Available"))
        return r201.UnlockConnector(status="Unlocked")

    @on(A201.request_start_transaction)
    async def on_request_start(self, id_token: dict[str, Any], remote_start_id: int, evse_id: int | None = None,
                               **kw: Any) -> r201.RequestStartTransaction:
        async def start() -> None:
            await self.call(c201.TransactionEvent(
                event_type="Started", timestamp=now(), trigger_reason="RemoteStart", seq_no=0,
                transaction_info={"transaction_id": "tx-201"}, id_token=id_token, evse={"id": evse_id or 1},
                meter_value=[{"timestamp": now(), "sampled_value": [{"value": 5000.0}]}]), suppress=False)
        self.later(start())
        return r201.RequestStartTransaction(status="Accepted")


@contextlib.asynccontextmanager
async def connected(cls: type, url: str, charger_id: str, protocol: str,
                    password: str | None = None) -> AsyncIterator[Any]:
    """Connect a test charger to the bridge and run its receive loop for the block."""
    headers = basic(charger_id, password) if password else None
    async with connect(f"{url}/{charger_id}", subprotocols=[protocol], additional_headers=headers) as ws:
        cp = cls(charger_id, ws)
        task = asyncio.get_running_loop().create_task(cp.start())
        try:
            yield cp
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
