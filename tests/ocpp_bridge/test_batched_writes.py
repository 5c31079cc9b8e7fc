"""Heartbeats answered from memory, reports committed in batches by one writer: nothing late, lost or reordered."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from ocpp.routing import on
from ocpp.v16 import call as c16
from ocpp.v16 import call_result as r16
from ocpp.v16.enums import Action as A16
from sqlalchemy import select

from bot.runtime import Runtime
from ocpp_bridge.models import StatusEvent
from ocpp_bridge.server import Bridge
from ocpp_bridge.state import charger_snapshot
from tests.ocpp_bridge.chargers import Charger16, connected
from tests.ocpp_bridge.conftest import PASSWORD, TEST_OPTIONS

# heartbeats are flushed only on demand, on a command's result, or at shutdown in these tests
SLOW_FLUSH = dataclasses.replace(TEST_OPTIONS, heartbeat_flush=3600.0)


class Triggered16(Charger16):
    """Answers TriggerMessage and then sends the requested message, as a real charger does."""

    @on(A16.trigger_message)
    async def on_trigger_message(self, requested_message: str, connector_id: int | None = None,
                                 **kw: Any) -> r16.TriggerMessage:
        if requested_message == "Heartbeat":
            self.later(self.call(c16.Heartbeat(), suppress=False))
        else:
            self.later(self.status(connector_id or 1, "Charging"))
        return r16.TriggerMessage(status="Accepted")


@pytest.fixture
async def quiet_bridge(fleet_runtime: Runtime) -> AsyncIterator[Bridge]:
    async with Bridge(fleet_runtime, "127.0.0.1", 0, 0, options=SLOW_FLUSH) as node:
        yield node


def snapshot(runtime: Runtime, charger_id: str) -> dict[str, Any]:
    with runtime.sessions() as session:
        snap = charger_snapshot(session, charger_id)
    assert snap is not None
    return snap


async def test_heartbeats_are_answered_at_once_and_written_together_at_the_flush(quiet_bridge: Bridge) -> None:
    async with connected(Charger16, quiet_bridge.url, "CP-1042", "ocpp1.6", PASSWORD) as one, \
            connected(Charger16, quiet_bridge.url, "CP-2001", "ocpp1.6") as two:
        for cp in (one, two):
            await cp.boot()
            answer = await cp.call(c16.Heartbeat(), suppress=False)
            assert answer.current_time
        assert snapshot(quiet_bridge.runtime, "CP-1042")["last_heartbeat"] is None  # still inside the window
        batches = quiet_bridge.core.writer.batches
        await quiet_bridge.core.flush()
        assert quiet_bridge.core.writer.batches - batches <= 2  # one UPDATE for both (plus the flush barrier)
        for charger_id in ("CP-1042", "CP-2001"):
            snap = snapshot(quiet_bridge.runtime, charger_id)
            assert snap["last_heartbeat"] is not None and snap["last_seen"] == snap["last_heartbeat"]


async def test_a_command_result_is_reported_only_after_the_state_it_caused_is_stored(quiet_bridge: Bridge) -> None:
    async with connected(Triggered16, quiet_bridge.url, "CP-1042", "ocpp1.6", PASSWORD) as cp:
        await cp.boot()
        await cp.status(1, "Available")
        status = await quiet_bridge.service.run("CP-1042", "TriggerMessage",
                                                {"requested_message": "StatusNotification", "connector_id": 1})
        assert status["verified"] is True
        assert snapshot(quiet_bridge.runtime, "CP-1042")["connectors"][0]["status"] == "Charging"
        beat = await quiet_bridge.service.run("CP-1042", "TriggerMessage", {"requested_message": "Heartbeat"})
        assert beat["verified"] is True
        assert snapshot(quiet_bridge.runtime, "CP-1042")["last_heartbeat"] is not None


async def test_stopping_the_bridge_writes_everything_still_pending(fleet_runtime: Runtime) -> None:
    bridge = await Bridge(fleet_runtime, "127.0.0.1", 0, 0, options=SLOW_FLUSH).start()
    try:
        async with connected(Charger16, bridge.url, "CP-1042", "ocpp1.6", PASSWORD) as cp:
            await cp.boot()
            await cp.call(c16.Heartbeat(), suppress=False)
            # reports queued but not yet committed when the stop begins
            pending = [bridge.core.writer.submit(bridge.core.store.note, "CP-1042", "event", f"note {n}")
                       for n in range(50)]
    finally:
        await bridge.stop()
    await asyncio.gather(*pending)
    snap = snapshot(fleet_runtime, "CP-1042")
    assert snap["last_heartbeat"] is not None and snap["online"] is False
    with fleet_runtime.sessions() as session:
        notes = list(session.scalars(select(StatusEvent.info).where(StatusEvent.kind == "event")
                                     .order_by(StatusEvent.id)))
    assert notes == [f"note {n}" for n in range(50)]


async def test_one_charger_reports_land_in_order_and_a_failing_write_loses_only_itself(quiet_bridge: Bridge) -> None:
    core = quiet_bridge.core
    sequence = ["Available", "Preparing", "Charging", "SuspendedEV", "Finishing", "Faulted"] * 20

    def broken(*, session: Any = None) -> None:
        raise ValueError("a write that cannot be stored")

    writes = []
    for n, status in enumerate(sequence):
        if n == 50:
            writes.append(core.writer.submit(broken))
        writes.append(core.writer.submit(core.store.status, "CP-1042", 1, status, None, None, None, None))
    results = await asyncio.gather(*writes, return_exceptions=True)
    assert [type(r) for r in results if r is not None] == [ValueError]
    assert snapshot(quiet_bridge.runtime, "CP-1042")["connectors"][0]["status"] == "Faulted"
    with quiet_bridge.runtime.sessions() as session:
        history = list(session.scalars(select(StatusEvent.status).where(StatusEvent.kind == "status")
                                       .order_by(StatusEvent.id)))
    assert history == sequence
