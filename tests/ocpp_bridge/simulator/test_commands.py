"""The simulator answers the CSMS's commands as a charger would, and acts on them after answering."""

from __future__ import annotations

import pytest
from ocpp.v16 import call as c16
from ocpp.v201 import call as c201

from ocpp_bridge.simulator import SimulatedFleet
from tests.ocpp_bridge.simulator.minicsms import MiniCSMS, spec


def fleet(csms: MiniCSMS, protocol: str) -> SimulatedFleet:
    return SimulatedFleet(csms.url, [spec("CP-7")], {"CP-7": {"behaviour": "healthy", "meter_interval": 0.02}},
                          protocol=protocol, reboot_delay=0.01)


async def test_remote_start_and_stop_1_6(csms: MiniCSMS) -> None:
    async with fleet(csms, "1.6") as f:
        cp = f["CP-7"]
        answer = await csms.send("CP-7", c16.RemoteStartTransaction(id_tag="04A2B3C4D5", connector_id=2))
        assert answer.status == "Accepted"
        await cp.wait_status(2, "Charging")
        tx = cp.transaction_id(2)
        assert (await csms.send("CP-7", c16.RemoteStopTransaction(transaction_id=tx + 1))).status == "Rejected"
        assert (await csms.send("CP-7", c16.RemoteStopTransaction(transaction_id=tx))).status == "Accepted"
        await cp.wait_status(2, "Finishing")
    assert csms.payloads("CP-7", "StopTransaction")[0]["reason"] == "Remote"
    assert [(r.action, r.response) for r in cp.received] == [
        ("RemoteStartTransaction", "Accepted"), ("RemoteStopTransaction", "Rejected"),
        ("RemoteStopTransaction", "Accepted")]
    assert cp.received[0].payload == {"idTag": "04A2B3C4D5", "connectorId": 2}


async def test_request_start_and_stop_2_0_1(csms: MiniCSMS) -> None:
    async with fleet(csms, "2.0.1") as f:
        cp = f["CP-7"]
        answer = await csms.send("CP-7", c201.RequestStartTransaction(
            id_token={"id_token": "04A2B3C4D5", "type": "ISO14443"}, remote_start_id=7, evse_id=1))
        assert answer.status == "Accepted"
        await cp.wait_status(1, "Charging")
        started = csms.payloads("CP-7", "TransactionEvent")[0]
        assert started["triggerReason"] == "RemoteStart" and started["idToken"]["idToken"] == "04A2B3C4D5"
        tx = cp.transaction_id(1)
        assert (await csms.send("CP-7", c201.RequestStopTransaction(transaction_id=tx))).status == "Accepted"
        await cp.wait_status(1, "Finishing")
    assert csms.payloads("CP-7", "TransactionEvent")[-1]["transactionInfo"]["stoppedReason"] == "Remote"


async def test_remote_start_on_a_faulted_connector_is_rejected(csms: MiniCSMS) -> None:
    scenario = {"CP-7": "hardware_fault"}
    async with SimulatedFleet(csms.url, [spec("CP-7", kw=(22.0,))], scenario, protocol="1.6") as f:
        answer = await csms.send("CP-7", c16.RemoteStartTransaction(id_tag="04A2B3C4D5", connector_id=1))
        assert answer.status == "Rejected" and f["CP-7"].transaction_id(1) is None


@pytest.mark.parametrize("protocol", ["1.6", "2.0.1"])
async def test_trigger_message_sends_the_requested_status(csms: MiniCSMS, protocol: str) -> None:
    async with fleet(csms, protocol) as f:
        before = len(csms.payloads("CP-7", "StatusNotification"))
        trigger = (c16.TriggerMessage(requested_message="StatusNotification", connector_id=2) if protocol == "1.6"
                   else c201.TriggerMessage(requested_message="StatusNotification", evse={"id": 2}))
        assert (await csms.send("CP-7", trigger)).status == "Accepted"
        await csms.wait_for(lambda: len(csms.payloads("CP-7", "StatusNotification")) == before + 1)
        assert f["CP-7"].connected
    last = csms.payloads("CP-7", "StatusNotification")[-1]
    assert last.get("evseId", last.get("connectorId")) == 2


@pytest.mark.parametrize("protocol", ["1.6", "2.0.1"])
async def test_change_availability_reports_unavailable_then_available(csms: MiniCSMS, protocol: str) -> None:
    async with fleet(csms, protocol) as f:
        cp = f["CP-7"]
        off = (c16.ChangeAvailability(connector_id=1, type="Inoperative") if protocol == "1.6"
               else c201.ChangeAvailability(operational_status="Inoperative", evse={"id": 1}))
        assert (await csms.send("CP-7", off)).status == "Accepted"
        await cp.wait_status(1, "Unavailable")
        on = (c16.ChangeAvailability(connector_id=0, type="Operative") if protocol == "1.6"
              else c201.ChangeAvailability(operational_status="Operative"))
        assert (await csms.send("CP-7", on)).status == "Accepted"
        await cp.wait_status(1, "Available")
        assert (await csms.send("CP-7", c16.ClearCache() if protocol == "1.6" else c201.ClearCache())).status \
            == "Accepted"


async def test_get_and_change_configuration_1_6(csms: MiniCSMS) -> None:
    async with fleet(csms, "1.6"):
        got = await csms.send("CP-7", c16.GetConfiguration(key=["HeartbeatInterval", "NoSuchKey"]))
        assert got.configuration_key == [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]
        assert got.unknown_key == ["NoSuchKey"]
        changed = await csms.send("CP-7", c16.ChangeConfiguration(key="HeartbeatInterval", value="60"))
        assert changed.status == "Accepted"
        assert (await csms.send("CP-7", c16.ChangeConfiguration(key="NumberOfConnectors", value="9"))).status \
            == "Rejected"
        assert (await csms.send("CP-7", c16.ChangeConfiguration(key="Nope", value="1"))).status == "NotSupported"
        again = await csms.send("CP-7", c16.GetConfiguration(key=["HeartbeatInterval", "NumberOfConnectors"]))
    assert {k["key"]: k["value"] for k in again.configuration_key} == {
        "HeartbeatInterval": "60", "NumberOfConnectors": "2"}


async def test_get_and_set_variables_2_0_1(csms: MiniCSMS) -> None:
    component = {"name": "OCPPCommCtrlr"}
    async with fleet(csms, "2.0.1"):
        set_result = await csms.send("CP-7", c201.SetVariables(set_variable_data=[
            {"attribute_value": "120", "component": component, "variable": {"name": "HeartbeatInterval"}},
            {"attribute_value": "1", "component": component, "variable": {"name": "Nope"}}]))
        got = await csms.send("CP-7", c201.GetVariables(get_variable_data=[
            {"component": component, "variable": {"name": "HeartbeatInterval"}}]))
    assert [r["attribute_status"] for r in set_result.set_variable_result] == ["Accepted", "UnknownVariable"]
    assert got.get_variable_result[0]["attribute_value"] == "120"


async def test_reset_stops_a_running_session_before_rebooting(csms: MiniCSMS) -> None:
    async with fleet(csms, "1.6") as f:
        cp = f["CP-7"]
        await cp.start_session(1, "04A2B3C4D5")
        assert (await csms.send("CP-7", c16.Reset(type="Hard"))).status == "Accepted"
        await cp.wait_for(lambda: cp.boots == 2 and cp.connected)
        assert cp.status(1) == "Available" and cp.transaction_id(1) is None
    actions = csms.actions("CP-7")
    assert actions.index("StopTransaction") < len(actions) - 1 - actions[::-1].index("BootNotification")
    assert csms.payloads("CP-7", "StopTransaction")[0]["reason"] == "HardReset"
