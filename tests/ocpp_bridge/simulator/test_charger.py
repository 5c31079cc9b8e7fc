"""The simulator against a tiny real central system: messages on the wire in 1.6J and 2.0.1."""

from __future__ import annotations

from typing import Any

import pytest
from ocpp.v16 import call as c16
from ocpp.v201 import call as c201

from ocpp_bridge.simulator import SimulatedFleet
from tests.ocpp_bridge.simulator.minicsms import MiniCSMS, spec

pytestmark = pytest.mark.parametrize("protocol", ["1.6", "2.0.1"])
FAST = {"reboot_delay": 0.01}


def fleet(csms: MiniCSMS, protocol: str, scenario: dict[str, Any] | None = None, **kw: Any) -> SimulatedFleet:
    return SimulatedFleet(csms.url, [spec("CP-1")], scenario, protocol=protocol, **FAST, **kw)


async def test_boot_reports_every_connector_available(csms: MiniCSMS, protocol: str) -> None:
    async with fleet(csms, protocol) as f:
        cp = f["CP-1"]
        assert cp.connected and cp.boots == 1
        assert cp.status(1) == "Available" and cp.status(2) == "Available"
    actions = csms.actions("CP-1")
    assert actions[0] == "BootNotification"
    statuses = csms.payloads("CP-1", "StatusNotification")
    if protocol == "1.6":
        assert [(s["connectorId"], s["status"], s["errorCode"]) for s in statuses] == [
            (0, "Available", "NoError"), (1, "Available", "NoError"), (2, "Available", "NoError")]
    else:
        assert [(s["evseId"], s["connectorStatus"]) for s in statuses] == [(1, "Available"), (2, "Available")]
        assert csms.payloads("CP-1", "BootNotification")[0]["reason"] == "PowerUp"


async def test_wrong_password_is_refused_and_retried(csms: MiniCSMS, protocol: str) -> None:
    f = SimulatedFleet(csms.url, [spec("CP-1", password="wrong-password")], protocol=protocol, connect_timeout=0.5)
    with pytest.raises(TimeoutError, match="CP-1 did not boot"):
        async with f:
            pass
    assert f["CP-1"].connect_failures >= 1
    assert csms.actions("CP-1") == []


async def test_card_session_meters_energy_and_power_then_stops(csms: MiniCSMS, protocol: str) -> None:
    async with fleet(csms, protocol, {"CP-1": {"behaviour": "healthy", "meter_interval": 0.02, "power_kw": 50}}) as f:
        cp = f["CP-1"]
        assert await cp.plug_in(1) == "Preparing"
        assert await cp.present_card("04A2B3C4D5", 1) == "Accepted"
        assert cp.status(1) == "Charging" and cp.transaction_id(1) is not None
        await cp.wait_for(lambda: len(csms.payloads("CP-1", "MeterValues" if protocol == "1.6" else
                                                     "TransactionEvent")) >= 4)
        assert await cp.unplug(1) == "Available"
    if protocol == "1.6":
        assert csms.payloads("CP-1", "StartTransaction")[0]["idTag"] == "04A2B3C4D5"
        samples = [m["meterValue"][0]["sampledValue"] for m in csms.payloads("CP-1", "MeterValues")]
        power = {int(s[1]["value"]) for s in samples}
        energy = [int(s[0]["value"]) for s in samples]
        stop = csms.payloads("CP-1", "StopTransaction")[0]
        assert stop["reason"] == "EVDisconnected" and stop["meterStop"] >= energy[-1]
    else:
        events = csms.payloads("CP-1", "TransactionEvent")
        assert [e["eventType"] for e in (events[0], events[-1])] == ["Started", "Ended"]
        assert events[-1]["transactionInfo"]["stoppedReason"] == "EVDisconnected"
        samples = [e["meterValue"][0]["sampledValue"] for e in events if e["eventType"] == "Updated"]
        power = {s[1]["value"] for s in samples}
        energy = [s[0]["value"] for s in samples]
    assert power == {50000}
    assert energy == sorted(energy)
    last_status = csms.payloads("CP-1", "StatusNotification")[-1]
    assert last_status.get("status", last_status.get("connectorStatus")) == "Available"


async def test_low_power_session_meters_the_configured_power(csms: MiniCSMS, protocol: str) -> None:
    async with fleet(csms, protocol, {"CP-1": {"behaviour": "low_power", "power_kw": 3.5, "meter_interval": 0.02}}) as f:
        cp = f["CP-1"]
        await cp.start_session(1)
        await cp.wait_for(lambda: len(cp.sent) >= 8)
        await cp.stop_session(1)
    meter = [s.payload for s in cp.sent if s.action in ("MeterValues", "TransactionEvent")]
    powers = [m["meter_value"][0]["sampled_value"][1]["value"] for m in meter
              if m.get("event_type", "Updated") == "Updated"]
    assert powers and {int(p) for p in powers} == {3500}


async def test_rejected_card_starts_nothing(csms: MiniCSMS, protocol: str) -> None:
    async with fleet(csms, protocol, {"CP-1": "rfid_rejected"}) as f:
        cp = f["CP-1"]
        await cp.plug_in(1)
        assert await cp.present_card() == "Blocked"
        assert cp.transaction_id(1) is None and cp.status(1) == "Preparing"
    assert "StartTransaction" not in csms.actions("CP-1") and "TransactionEvent" not in csms.actions("CP-1")


async def test_faulted_until_reset_recovers_after_reset(csms: MiniCSMS, protocol: str) -> None:
    scenario = {"CP-1": {"behaviour": "faulted_until_reset", "error_code": "PowerMeterFailure"}}
    async with fleet(csms, protocol, scenario) as f:
        cp = f["CP-1"]
        assert cp.status(1) == "Faulted" and cp.status(2) == "Available"
        assert await cp.present_card("04A2B3C4D5", 1) == "Accepted"
        assert cp.transaction_id(1) is None  # a faulted connector cannot start
        reset = c16.Reset(type="Soft") if protocol == "1.6" else c201.Reset(type="Immediate")
        assert (await csms.send("CP-1", reset)).status == "Accepted"
        await cp.wait_for(lambda: cp.boots == 2 and cp.connected)
        assert cp.status(1) == "Available"
    assert csms.actions("CP-1").count("BootNotification") == 2
    if protocol == "1.6":
        faulted = [s for s in csms.payloads("CP-1", "StatusNotification") if s["status"] == "Faulted"]
        assert faulted[0]["errorCode"] == "PowerMeterFailure" and len(faulted) == 1
    else:
        assert csms.payloads("CP-1", "BootNotification")[1]["reason"] == "RemoteReset"
        event = csms.payloads("CP-1", "NotifyEvent")[0]["eventData"][0]
        assert event["techCode"] == "PowerMeterFailure"


async def test_hardware_fault_survives_reset_and_unlock_fails(csms: MiniCSMS, protocol: str) -> None:
    async with fleet(csms, protocol, {"CP-1": {"behaviour": "hardware_fault", "error_code": "GroundFailure"}}) as f:
        cp = f["CP-1"]
        reset = c16.Reset(type="Hard") if protocol == "1.6" else c201.Reset(type="Immediate")
        assert (await csms.send("CP-1", reset)).status == "Accepted"
        await cp.wait_for(lambda: cp.boots == 2 and cp.connected)
        assert cp.status(1) == "Faulted" and cp.error_code(1) == "GroundFailure"
        unlock = (c16.UnlockConnector(connector_id=1) if protocol == "1.6"
                  else c201.UnlockConnector(evse_id=1, connector_id=1))
        assert (await csms.send("CP-1", unlock)).status == "UnlockFailed"
    assert [r.action for r in cp.received] == ["Reset", "UnlockConnector"]
    assert cp.received[-1].response == "UnlockFailed"


async def test_cable_locked_until_unlock(csms: MiniCSMS, protocol: str) -> None:
    async with fleet(csms, protocol, {"CP-1": "cable_locked"}) as f:
        cp = f["CP-1"]
        assert cp.status(1) == "Finishing"
        assert await cp.unplug(1) == "Finishing"  # the driver cannot pull the cable out
        unlock = (c16.UnlockConnector(connector_id=1) if protocol == "1.6"
                  else c201.UnlockConnector(evse_id=1, connector_id=1))
        assert (await csms.send("CP-1", unlock)).status == "Unlocked"
        await cp.wait_status(1, "Available")
    statuses = csms.payloads("CP-1", "StatusNotification")
    assert statuses[-1].get("status", statuses[-1].get("connectorStatus")) == "Available"


async def test_silent_charger_never_answers(csms: MiniCSMS, protocol: str) -> None:
    async with fleet(csms, protocol, {"CP-1": "silent"}) as f:
        cp = f["CP-1"]
        csms.points["CP-1"]._response_timeout = 0.3
        reset = c16.Reset(type="Soft") if protocol == "1.6" else c201.Reset(type="Immediate")
        with pytest.raises(TimeoutError):
            await csms.send("CP-1", reset)
        assert [(r.action, r.response) for r in cp.received] == [("Reset", None)]
        assert cp.boots == 1 and cp.connected  # still online, still no reboot


async def test_failed_starts_never_become_a_transaction(csms: MiniCSMS, protocol: str) -> None:
    scenario = {"CP-1": {"behaviour": "failed_starts", "end_status": "Faulted"}}
    async with fleet(csms, protocol, scenario) as f:
        cp = f["CP-1"]
        assert await cp.present_card("04A2B3C4D5", 1) == "Accepted"
        assert cp.status(1) == "Faulted" and cp.error_code(1) == "EVCommunicationError"
        assert cp.transaction_id(1) is None and cp.failed_starts == 1
        assert await cp.unplug(1) == "Available"
    assert "StartTransaction" not in csms.actions("CP-1") and "TransactionEvent" not in csms.actions("CP-1")
    if protocol == "1.6":
        assert [s["status"] for s in csms.payloads("CP-1", "StatusNotification")][-3:] == [
            "Preparing", "Faulted", "Available"]


async def test_session_stops_midway_with_the_scripted_reason(csms: MiniCSMS, protocol: str) -> None:
    scenario = {"CP-1": {"behaviour": "stops_midway", "after": 0.1, "reason": "PowerLoss"}}
    async with fleet(csms, protocol, scenario) as f:
        cp = f["CP-1"]
        assert await cp.start_session(1) is not None
        await cp.wait_status(1, "Finishing")
        assert cp.transaction_id(1) is None
    if protocol == "1.6":
        assert csms.payloads("CP-1", "StopTransaction")[0]["reason"] == "PowerLoss"
    else:
        assert csms.payloads("CP-1", "TransactionEvent")[-1]["transactionInfo"]["stoppedReason"] == "PowerLoss"


async def test_offline_flapping_reconnects_and_boots_again(csms: MiniCSMS, protocol: str) -> None:
    scenario = {"CP-1": {"behaviour": "offline_flapping", "online_for": 0.05, "offline_for": 0.05}}
    async with fleet(csms, protocol, scenario) as f:
        cp = f["CP-1"]
        await cp.wait_for(lambda: cp.boots >= 3, 10)
    assert csms.actions("CP-1").count("BootNotification") >= 3


async def test_go_offline_and_come_back(csms: MiniCSMS, protocol: str) -> None:
    async with fleet(csms, protocol) as f:
        cp = f["CP-1"]
        await cp.go_offline()
        assert not cp.connected
        await cp.come_back()
        assert cp.connected and cp.boots == 2
