"""Sessions and failed attempts become history; state survives a bridge restart."""

from __future__ import annotations

import asyncio

from ocpp.v16 import call as c16
from ocpp.v201 import call as c201
from sqlalchemy import select

from ocpp_bridge.models import StatusEvent
from ocpp_bridge.server import Bridge
from ocpp_bridge.state import charger_snapshot
from tests.ocpp_bridge.chargers import Charger16, Charger201, connected, now
from tests.ocpp_bridge.conftest import PASSWORD, TEST_OPTIONS


def snap(bridge: Bridge, charger_id: str) -> dict:
    with bridge.runtime.sessions() as session:
        return charger_snapshot(session, charger_id)  # type: ignore[return-value]


async def test_a_16_session_records_energy_power_and_how_it_ended(bridge: Bridge) -> None:
    async with connected(Charger16, bridge.url, "CP-1042", "ocpp1.6", PASSWORD) as cp:
        refused = await cp.call(c16.Authorize(id_tag="0BADCAFE01"), suppress=False)
        assert refused.id_tag_info["status"] == "Blocked"
        start = await cp.call(c16.StartTransaction(connector_id=1, id_tag="04A2B3C4D5", meter_start=10_000,
                                                   timestamp=now()), suppress=False)
        assert start.id_tag_info["status"] == "Accepted" and start.transaction_id > 0
        await cp.call(c16.MeterValues(connector_id=1, transaction_id=start.transaction_id, meter_value=[
            {"timestamp": now(), "sampled_value": [
                {"value": "12.5", "measurand": "Energy.Active.Import.Register", "unit": "kWh"},
                {"value": "48000", "measurand": "Power.Active.Import", "unit": "W"}]}]), suppress=False)
        running = snap(bridge, "CP-1042")["active_transaction"]
        assert (running["energy_kwh"], running["power_kw"], running["id_tag"]) == (2.5, 48.0, "04******D5")
        await cp.call(c16.StopTransaction(meter_stop=30_000, timestamp=now(), transaction_id=start.transaction_id,
                                          reason="Local"), suppress=False)
        second = await cp.call(c16.StartTransaction(connector_id=2, id_tag="04A2B3C4D5", meter_start=500,
                                                    timestamp=now()), suppress=False)
        await cp.call(c16.StopTransaction(meter_stop=520, timestamp=now(), transaction_id=second.transaction_id,
                                          reason="EmergencyStop"), suppress=False)
    recent = snap(bridge, "CP-1042")["recent_sessions"]
    assert [(s["outcome"], s["reason"], s["energy_kwh"]) for s in recent] == [
        ("failed", "EmergencyStop", 0.02), ("completed", "Local", 20.0), ("rejected", "authorization Blocked", 0.0)]
    assert snap(bridge, "CP-1042")["active_transaction"] is None


async def test_unknown_tokens_follow_the_fleet_option(bridge: Bridge) -> None:
    from bot.appstate import set_value

    async with connected(Charger16, bridge.url, "CP-2001", "ocpp1.6") as cp:
        accepted = await cp.call(c16.Authorize(id_tag="UNLISTED99"), suppress=False)
        with bridge.runtime.sessions.begin() as session:
            set_value(session, "fleet.unknown_tokens", "reject")
        rejected = await cp.call(c16.Authorize(id_tag="UNLISTED99"), suppress=False)
    assert (accepted.id_tag_info["status"], rejected.id_tag_info["status"]) == ("Accepted", "Invalid")


async def test_a_201_transaction_runs_from_started_to_ended(bridge: Bridge) -> None:
    async with connected(Charger201, bridge.url, "CP-2001", "ocpp2.0.1") as cp:
        token = {"id_token": "04A2B3C4D5", "type": "ISO14443"}
        started = await cp.call(c201.TransactionEvent(
            event_type="Started", timestamp=now(), trigger_reason="Authorized", seq_no=0,
            transaction_info={"transaction_id": "T-1"}, id_token=token, evse={"id": 1},
            meter_value=[{"timestamp": now(), "sampled_value": [{"value": 1000.0}]}]), suppress=False)
        assert started.id_token_info["status"] == "Accepted"
        await cp.call(c201.TransactionEvent(
            event_type="Ended", timestamp=now(), trigger_reason="StopAuthorized", seq_no=1,
            transaction_info={"transaction_id": "T-1", "stopped_reason": "Local"},
            meter_value=[{"timestamp": now(), "sampled_value": [{"value": 9.0, "unit_of_measure": {"unit": "kWh"}}]}]),
            suppress=False)
        await cp.call(c201.SecurityEventNotification(type="TamperDetectionActivated", timestamp=now()), suppress=False)
    recent = snap(bridge, "CP-2001")["recent_sessions"]
    assert [(s["transaction_id"], s["outcome"], s["energy_kwh"]) for s in recent] == [("T-1", "completed", 8.0)]


async def test_state_survives_a_bridge_restart_and_the_charger_reconnects(fleet_runtime) -> None:
    async with Bridge(fleet_runtime, "127.0.0.1", 0, None, options=TEST_OPTIONS) as first:
        port = first.port
        async with connected(Charger16, first.url, "CP-2001", "ocpp1.6") as cp:
            await cp.boot()
            await cp.status(1, "Faulted", error="PowerMeterFailure")
    assert snap(first, "CP-2001")["online"] is False
    async with Bridge(fleet_runtime, "127.0.0.1", port, None, options=TEST_OPTIONS) as second:
        async with connected(Charger16, second.url, "CP-2001", "ocpp1.6") as cp:
            await cp.call(c16.Heartbeat(), suppress=False)
            state = snap(second, "CP-2001")
            assert state["online"] is True
            assert state["connectors"][0]["status"] == "Faulted"
            assert state["connectors"][0]["error_code"] == "PowerMeterFailure"
            assert state["boot"]["vendor"] == "ACME"
    with fleet_runtime.sessions() as session:
        kinds = [e.kind for e in session.scalars(select(StatusEvent).where(StatusEvent.charger_id == "CP-2001")
                                                 .order_by(StatusEvent.id))]
    assert kinds == ["online", "boot", "status", "offline", "online", "offline"]


async def test_a_silent_charger_is_marked_offline_after_missed_heartbeats(fleet_runtime) -> None:
    options = TEST_OPTIONS.__class__(heartbeat_interval=1, offline_factor=0.2, watchdog_period=0.05, gc_freeze=False)
    async with Bridge(fleet_runtime, "127.0.0.1", 0, None, options=options) as bridge:
        async with connected(Charger16, bridge.url, "CP-2001", "ocpp1.6"):
            for _ in range(200):
                state = snap(bridge, "CP-2001")
                if state["offline_reason"]:
                    break
                await asyncio.sleep(0.02)
    assert state["online"] is False and state["offline_reason"] == "heartbeats missed"
