"""Relay mode when a side goes away: the CSMS restarted mid-session (hold and close), the charger reconnecting."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from bot.runtime import Runtime
from ocpp_bridge.relay import RelayConfig
from ocpp_bridge.server import Bridge
from ocpp_bridge.simulator import SimulatedCharger
from tests.ocpp_bridge.conftest import TEST_OPTIONS
from tests.ocpp_bridge.test_relay_commands import settled
from tests.ocpp_bridge.upstream import OperatorCSMS, until


@pytest.fixture
async def charger(relay: Bridge) -> AsyncIterator[SimulatedCharger]:
    cp = SimulatedCharger("CP-2001", relay.url, protocol="2.0.1", heartbeat_interval=0, reboot_delay=0.01)
    cp.start()
    await cp.wait_connected()
    try:
        yield cp
    finally:
        await cp.close()


def ids(csms: OperatorCSMS, charger_id: str) -> Counter[str]:
    return Counter(json.loads(raw)[1] for raw in csms.received.get(charger_id, []))


async def test_a_held_charger_keeps_its_socket_and_its_frames_reach_the_restarted_csms_once(
        fleet_runtime: Runtime, csms: OperatorCSMS) -> None:
    config = RelayConfig(upstream=csms.url, on_upstream_loss="hold")
    async with Bridge(fleet_runtime, "127.0.0.1", 0, 0, options=TEST_OPTIONS, relay=config) as node:
        cp = SimulatedCharger("CP-2001", node.url, protocol="1.6", heartbeat_interval=0)
        cp.start()
        try:
            await cp.wait_connected()
            await cp.plug_in(1)
            await csms.wait_for(lambda: csms.actions("CP-2001").count("StatusNotification") >= 3)
            await csms.stop()
            station = cp.station
            unplug = asyncio.ensure_future(cp.unplug(1))  # reported while the CSMS is down: held, delivered later
            link = node.core.link("CP-2001")
            await until(lambda: link.held == 1 or unplug.done())  # type: ignore[union-attr]
            assert not unplug.done()
            await csms.start()  # the same port
            await csms.wait_for(lambda: csms.connections == 2)
            await asyncio.wait_for(unplug, 10)
            await cp.wait_status(1, "Available")
            await csms.wait_for(lambda: csms.actions("CP-2001")[-1:] == ["StatusNotification"])
            snap = await settled(node, "CP-2001", lambda s: s["connectors"][0]["status"] == "Available")
        finally:
            await cp.close()
    assert cp.station is None and station is not None and cp.boots == 1  # never disconnected, never rebooted
    assert max(ids(csms, "CP-2001").values()) == 1  # nothing delivered twice
    assert csms.messages["CP-2001"][-1][1]["status"] == "Available"
    assert snap["online"] is True


async def test_by_default_the_chargers_socket_closes_with_the_csms_and_it_reconnects_when_the_csms_is_back(
        relay: Bridge, csms: OperatorCSMS, charger: SimulatedCharger) -> None:
    await csms.stop()
    await charger.wait_for(lambda: not charger.connected)
    offline = await settled(relay, "CP-2001", lambda s: not s["online"])
    await csms.start()
    await charger.wait_connected(20)  # its own back-off: 1 s, then 2 s
    online = await settled(relay, "CP-2001", lambda s: s["online"])
    assert offline["offline_reason"] == "central system connection lost"
    assert charger.boots == 2 and csms.connections >= 2
    assert online["protocol"] == "ocpp2.0.1"


async def test_a_charger_that_drops_takes_its_csms_connection_with_it_and_comes_back_through_a_new_one(
        relay: Bridge, csms: OperatorCSMS, charger: SimulatedCharger) -> None:
    first = csms.points["CP-2001"]
    await charger.go_offline()
    await csms.wait_for(lambda: first._connection.close_code is not None)  # noqa: SLF001
    offline = await settled(relay, "CP-2001", lambda s: not s["online"])
    await charger.come_back()
    await csms.wait_for(lambda: csms.connections == 2)
    online = await settled(relay, "CP-2001", lambda s: s["online"])
    assert first._connection.close_code == 1000  # noqa: SLF001
    assert csms.points["CP-2001"] is not first
    assert (offline["online"], online["online"]) == (False, True)
