"""Two bridge nodes and a real Redis: a command issued at either node reaches the charger."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from ocpp.v16 import call as c16

from bot.errors import ChargerUnreachable
from ocpp_bridge.client import BridgeClient
from ocpp_bridge.server import Bridge
from tests.ocpp_bridge.chargers import Charger16, connected
from tests.ocpp_bridge.conftest import TEST_OPTIONS


async def test_a_command_at_one_node_reaches_a_charger_on_the_other(fleet_runtime, redis_url_or_skip: str) -> None:
    import asyncio

    run = uuid.uuid4().hex[:8]
    a_opts = dataclasses.replace(TEST_OPTIONS, node_id=f"a-{run}")
    b_opts = dataclasses.replace(TEST_OPTIONS, node_id=f"b-{run}")
    async with Bridge(fleet_runtime, "127.0.0.1", 0, 0, options=a_opts, redis_url=redis_url_or_skip) as a, \
            Bridge(fleet_runtime, "127.0.0.1", 0, 0, options=b_opts, redis_url=redis_url_or_skip) as b:
        client_a = BridgeClient(a.control_url, "test-token", timeout=20)
        with pytest.raises(ChargerUnreachable, match="not connected to any bridge node"):
            await asyncio.to_thread(client_a.command, "CP-2001", "Reset", requested_by="api")
        async with connected(Charger16, b.url, "CP-2001", "ocpp1.6") as cp:
            await cp.call(c16.Heartbeat(), suppress=False)
            for _ in range(100):  # the registry write runs just after the connection is accepted
                if await a._cluster.redis.get("chargeline:bridge:charger:CP-2001") == b.options.node_id:
                    break
                await asyncio.sleep(0.01)
            result = await asyncio.to_thread(client_a.command, "CP-2001", "UnlockConnector", {"connector_id": 1},
                                             requested_by="agent:ann")
            assert cp.received == ["UnlockConnector"]
        assert result.status == "Unlocked" and result.verified is True and result.audit_id is not None
        for _ in range(100):
            if await a._cluster.redis.get("chargeline:bridge:charger:CP-2001") is None:
                break
            await asyncio.sleep(0.01)
        with pytest.raises(ChargerUnreachable, match="not connected to any bridge node"):
            await asyncio.to_thread(client_a.command, "CP-2001", "Reset", requested_by="api")


@pytest.mark.slow
async def test_two_bridge_processes_route_commands_through_redis(redis_url_or_skip: str, tmp_path) -> None:
    import asyncio
    import signal

    from tests.ocpp_bridge.test_cli import free_port, start

    nodes = []
    try:
        for _ in range(2):
            port, control = free_port(), free_port()
            proc = start({"CHARGELINE_OCPP_PORT": str(port), "CHARGELINE_BRIDGE_PORT": str(control),
                          "CHARGELINE_REDIS_URL": redis_url_or_skip}, tmp_path)
            nodes.append((proc, port, control))
            line = ""
            while not line.startswith("bridge listening"):
                line = await asyncio.to_thread(proc.stderr.readline)
                assert line, "a bridge node exited before listening"
        (_, _, control_a), (_, port_b, _) = nodes
        client = BridgeClient(f"http://127.0.0.1:{control_a}", "t", timeout=30)
        async with connected(Charger16, f"ws://127.0.0.1:{port_b}/ocpp", "CP-2001", "ocpp1.6") as cp:
            await cp.call(c16.Heartbeat(), suppress=False)
            result = None
            for _ in range(50):  # the node registers the charger in Redis just after accepting it
                try:
                    result = await asyncio.to_thread(client.command, "CP-2001", "GetConfiguration", {},
                                                     requested_by="api")
                    break
                except ChargerUnreachable:
                    await asyncio.sleep(0.05)
        assert result is not None and result.status == "Accepted"
        assert result.answer["configuration_key"][0]["key"] == "HeartbeatInterval"
        for proc, _, _ in nodes:
            proc.send_signal(signal.SIGTERM)
        assert [proc.wait(timeout=15) for proc, _, _ in nodes] == [0, 0]
    finally:
        for proc, _, _ in nodes:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stderr.close()
