"""Chargers connect over real websockets, authenticate, and their reports become state."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ocpp_bridge.server import Bridge
from ocpp_bridge.state import charger_snapshot
from tests.ocpp_bridge.chargers import Charger16, Charger201, connected
from tests.ocpp_bridge.conftest import PASSWORD


def snapshot(bridge: Bridge, charger_id: str) -> dict:
    with bridge.runtime.sessions() as session:
        snap = charger_snapshot(session, charger_id)
    assert snap is not None
    return snap


async def heartbeat_written(bridge: Bridge, charger_id: str) -> dict:
    """The snapshot once the batched heartbeat flush (every 0.1 s in tests) has written last_heartbeat."""
    for _ in range(100):
        snap = snapshot(bridge, charger_id)
        if snap["last_heartbeat"] is not None:
            return snap
        await asyncio.sleep(0.05)
    return snap


async def test_a_16_charger_boots_and_reports_its_connector_status(bridge: Bridge) -> None:
    async with connected(Charger16, bridge.url, "CP-1042", "ocpp1.6", PASSWORD) as cp:
        boot = await cp.boot()
        assert boot.status == "Accepted" and boot.interval == 300
        await cp.status(1, "Faulted", error="GroundFailure", vendor_error_code="E42", info="RCD tripped")
        await cp.call(__import__("ocpp.v16.call", fromlist=["Heartbeat"]).Heartbeat(), suppress=False)
        snap = await heartbeat_written(bridge, "CP-1042")
    assert snap["online"] is True and snap["protocol"] == "ocpp1.6"
    assert snap["boot"]["vendor"] == "ACME" and snap["boot"]["firmware_version"] == "1.2.3"
    assert snap["last_heartbeat"] is not None
    first = snap["connectors"][0]
    assert (first["id"], first["type"], first["status"], first["error_code"], first["vendor_error_code"],
            first["info"]) == (1, "CCS2", "Faulted", "GroundFailure", "E42", "RCD tripped")
    assert snap["connectors"][1]["status"] == "Unknown"
    assert snap["label"] == "Station 12" and snap["site_type"] == "fleet_depot"


async def test_a_201_station_reports_boot_and_evse_status(bridge: Bridge) -> None:
    async with connected(Charger201, bridge.url, "CP-2001", "ocpp2.0.1") as cp:
        await cp.boot()
        await cp.status(1, "Occupied")
        snap = snapshot(bridge, "CP-2001")
    assert snap["protocol"] == "ocpp2.0.1" and snap["boot"]["model"] == "Wall-22"
    assert snap["connectors"][0]["status"] == "Occupied"


async def test_closing_the_socket_marks_the_charger_offline(bridge: Bridge) -> None:
    async with connected(Charger16, bridge.url, "CP-2001", "ocpp1.6") as cp:
        await cp.boot()
    for _ in range(100):
        if not snapshot(bridge, "CP-2001")["online"]:
            break
        await asyncio.sleep(0.02)
    snap = snapshot(bridge, "CP-2001")
    assert snap["online"] is False and snap["offline_since"] is not None


@pytest.mark.parametrize("headers", [None, {"Authorization": "Basic Q1AtMTA0Mjp3cm9uZw=="}])
async def test_a_wrong_or_missing_password_is_rejected_without_state_change(bridge: Bridge, headers) -> None:
    with pytest.raises(InvalidStatus) as info:
        async with connect(f"{bridge.url}/CP-1042", subprotocols=["ocpp1.6"], additional_headers=headers):
            pass
    assert info.value.response.status_code == 401
    with bridge.runtime.sessions() as session:
        snap = charger_snapshot(session, "CP-1042")
    assert snap is not None and snap["online"] is False and snap["protocol"] is None


async def test_an_unknown_charger_is_rejected_unless_auto_accept(bridge: Bridge) -> None:
    with pytest.raises(InvalidStatus) as info:
        async with connect(f"{bridge.url}/CP-9999", subprotocols=["ocpp1.6"]):
            pass
    assert info.value.response.status_code == 404
    from bot.appstate import set_value

    with bridge.runtime.sessions.begin() as session:
        set_value(session, "fleet.auto_accept", "true")
    async with connected(Charger16, bridge.url, "CP-9999", "ocpp1.6") as cp:
        assert (await cp.boot()).status == "Accepted"
        assert snapshot(bridge, "CP-9999")["online"] is True


async def test_a_wrong_path_or_missing_subprotocol_is_refused(bridge: Bridge) -> None:
    with pytest.raises(InvalidStatus) as info:
        async with connect(f"ws://127.0.0.1:{bridge.port}/other/CP-2001", subprotocols=["ocpp1.6"]):
            pass
    assert info.value.response.status_code == 404
    with pytest.raises(InvalidStatus) as info:
        async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.5"]):
            pass
    assert info.value.response.status_code == 400


async def test_a_reconnecting_charger_replaces_its_old_connection(bridge: Bridge) -> None:
    async with connected(Charger16, bridge.url, "CP-2001", "ocpp1.6") as first:
        await first.boot()
        async with connected(Charger16, bridge.url, "CP-2001", "ocpp1.6") as second:
            await second.boot()
            for _ in range(100):
                if first._connection.state.name == "CLOSED":
                    break
                await asyncio.sleep(0.02)
            assert first._connection.state.name == "CLOSED"
            await second.status(1, "Available")
            assert snapshot(bridge, "CP-2001")["online"] is True
            assert bridge.core.link("CP-2001") is not None
