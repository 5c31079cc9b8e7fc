"""Bridge liveness and write-ahead commands against a real bridge node, real chargers and the real database."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from websockets.asyncio.client import connect

from bot.runtime import Runtime
from ocpp_bridge.calls import CommandUnknown
from ocpp_bridge.lease import NodeLease, expire_dead_nodes
from ocpp_bridge.models import BridgeNode, ChargerState, CommandAudit, StatusEvent
from ocpp_bridge.server import Bridge
from ocpp_bridge.state import charger_snapshot
from tests.ocpp_bridge.chargers import Charger16, connected
from tests.ocpp_bridge.conftest import TEST_OPTIONS


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def lease_of(runtime: Runtime, node_id: str) -> BridgeNode:
    with runtime.sessions() as session:
        row = session.get(BridgeNode, node_id)
        assert row is not None
        return row


def audit_rows(runtime: Runtime) -> list[CommandAudit]:
    with runtime.sessions() as session:
        return list(session.scalars(select(CommandAudit).order_by(CommandAudit.id)))


async def wait_for_link(bridge: Bridge, charger_id: str) -> None:
    for _ in range(200):  # the bridge attaches the link just after the handshake
        if bridge.core.link(charger_id) is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{charger_id} never attached")


async def test_a_node_holds_a_lease_while_it_runs_and_ends_it_when_it_stops(fleet_runtime: Runtime) -> None:
    async with Bridge(fleet_runtime, "127.0.0.1", 0, 0, options=TEST_OPTIONS) as node:
        held = lease_of(fleet_runtime, node.options.node_id)
        assert aware(held.expires_at) - aware(held.renewed_at) == timedelta(seconds=90)
        assert aware(held.expires_at) > datetime.now(UTC)
    assert aware(lease_of(fleet_runtime, "local").expires_at) <= datetime.now(UTC)


async def test_a_charger_reads_offline_once_its_nodes_lease_lapsed_and_the_sweep_marks_it(bridge: Bridge) -> None:
    runtime = bridge.runtime
    async with connected(Charger16, bridge.url, "CP-2001", "ocpp1.6") as cp:
        await cp.boot()
        await bridge.core.flush()
        renewed = aware(lease_of(runtime, "local").renewed_at)
        with runtime.sessions() as session:
            alive = charger_snapshot(session, "CP-2001", now=renewed + timedelta(seconds=89))
            dead = charger_snapshot(session, "CP-2001", now=renewed + timedelta(seconds=90))
        assert alive is not None and (alive["online"], alive["offline_since"]) == (True, None)
        assert dead is not None and (dead["online"], dead["online_since"]) == (False, None)
        assert dead["offline_since"] == renewed.isoformat()
        assert dead["offline_reason"] == "bridge node local stopped (lease expired)"

        with runtime.sessions.begin() as session:
            assert expire_dead_nodes(session, renewed + timedelta(seconds=89)) == []
            assert expire_dead_nodes(session, renewed + timedelta(seconds=91)) == ["CP-2001"]
            assert expire_dead_nodes(session, renewed + timedelta(seconds=92)) == []  # once
        with runtime.sessions() as session:
            state = session.get(ChargerState, "CP-2001")
            assert state is not None and (state.online, aware(state.offline_since)) == (False, renewed)
            kinds = list(session.scalars(select(StatusEvent.kind).where(StatusEvent.charger_id == "CP-2001")
                                         .order_by(StatusEvent.id)))
            assert kinds[-1] == "offline"

        # the node was only slow: its next renewal finds the lapsed lease and takes its live chargers back
        assert await NodeLease(bridge.core, 90, clock=lambda: renewed + timedelta(seconds=95)).renew_once() == []
        await bridge.core.flush()
        with runtime.sessions() as session:
            state = session.get(ChargerState, "CP-2001")
            assert state is not None and (state.online, state.node_id) == (True, "local")
            snap = charger_snapshot(session, "CP-2001")
            assert snap is not None and snap["online"] is True


async def test_a_restarted_node_takes_its_chargers_back_as_they_reconnect(fleet_runtime: Runtime) -> None:
    async with Bridge(fleet_runtime, "127.0.0.1", 0, 0, options=TEST_OPTIONS) as first:
        async with connected(Charger16, first.url, "CP-2001", "ocpp1.6") as cp:
            await cp.boot()
            await first.core.flush()
    async with Bridge(fleet_runtime, "127.0.0.1", 0, 0, options=TEST_OPTIONS) as second:
        with fleet_runtime.sessions() as session:
            snap = charger_snapshot(session, "CP-2001")
            assert snap is not None and snap["online"] is False
        async with connected(Charger16, second.url, "CP-2001", "ocpp1.6") as cp:
            await cp.boot()
            await second.core.flush()
            with fleet_runtime.sessions() as session:
                snap = charger_snapshot(session, "CP-2001")
                assert snap is not None and snap["online"] is True


async def test_the_audit_row_is_written_before_the_command_is_sent(bridge: Bridge) -> None:
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"]) as ws:
        await wait_for_link(bridge, "CP-2001")
        task = asyncio.create_task(bridge.service.run("CP-2001", "Reset", {}, requested_by="agent:ann",
                                                      command_id="c-123"))
        frame = json.loads(await ws.recv())
        pending = audit_rows(bridge.runtime)
        assert [(r.status, r.action, r.requested_by, r.command_id, r.node_id) for r in pending] == [
            ("Pending", "Reset", "agent:ann", "c-123", "local")]
        await ws.send(json.dumps([3, frame[1], {"status": "Rejected"}]))
        result = await task
    assert (result["status"], result["audit_id"], result["command_id"]) == ("Rejected", pending[0].id, "c-123")
    assert [(r.id, r.status, r.verified) for r in audit_rows(bridge.runtime)] == [(pending[0].id, "Rejected", False)]


async def test_a_charger_that_disconnects_mid_command_ends_it_at_once_as_unknown(fleet_runtime: Runtime) -> None:
    patient = dataclasses.replace(TEST_OPTIONS, command_timeout=30.0)
    async with Bridge(fleet_runtime, "127.0.0.1", 0, 0, options=patient) as node:
        async with connect(f"{node.url}/CP-2001", subprotocols=["ocpp1.6"]) as ws:
            await wait_for_link(node, "CP-2001")
            task = asyncio.create_task(node.service.run("CP-2001", "Reset", {"type": "Hard"}, requested_by="api"))
            assert json.loads(await ws.recv())[2] == "Reset"
        # the socket is closed without an answer: the command ends long before the 30 s command timeout
        with pytest.raises(CommandUnknown, match="may have executed it") as info:
            await asyncio.wait_for(task, 5)
    rows = audit_rows(fleet_runtime)
    assert [(r.id, r.status, r.detail) for r in rows] == [
        (info.value.audit_id, "Unknown", "charger disconnected before answering; it may have executed the command")]


async def test_commands_a_node_had_in_flight_when_it_died_become_unknown(bridge: Bridge) -> None:
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"]) as ws:
        await wait_for_link(bridge, "CP-2001")
        task = asyncio.create_task(bridge.service.run("CP-2001", "ClearCache", {}, requested_by="api"))
        frame = json.loads(await ws.recv())
        renewed = aware(lease_of(bridge.runtime, "local").renewed_at)
        with bridge.runtime.sessions.begin() as session:
            expire_dead_nodes(session, renewed + timedelta(seconds=91))
        assert [r.status for r in audit_rows(bridge.runtime)] == ["Unknown"]
        await ws.send(json.dumps([3, frame[1], {"status": "Accepted"}]))
        result = await task
    # the node was alive after all: the charger's real answer replaces the guess
    assert result["status"] == "Accepted"
    assert [r.status for r in audit_rows(bridge.runtime)] == ["Accepted"]
