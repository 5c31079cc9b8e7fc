"""Raw OCPP actions: any central-system request of the charger's protocol, native payload, answer verbatim."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from ocpp.routing import on
from ocpp.v16 import call_result as r16
from ocpp.v16.enums import Action as A16
from ocpp.v201 import call_result as r201
from ocpp.v201.enums import Action as A201
from sqlalchemy import select

from bot.errors import PolicyRefused
from ocpp_bridge.actions import CHARGER_INITIATED, all_actions, csms_actions
from ocpp_bridge.client import BridgeClient
from ocpp_bridge.commands import BadCommand
from ocpp_bridge.models import CommandAudit
from ocpp_bridge.server import Bridge
from tests.ocpp_bridge.chargers import Charger16, Charger201, connected
from tests.ocpp_bridge.test_web import AUTH, call, web  # noqa: F401  (the web fixture)

PROFILE_201 = {"evseId": 1, "chargingProfile": {
    "id": 7, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Absolute",
    "chargingSchedule": [{"id": 1, "chargingRateUnit": "A", "startSchedule": "2026-01-01T00:00:00Z",
                          "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}]}]}}


class Station201(Charger201):
    """Answers SetChargingProfile and RequestStartTransaction, noting the payload it got."""

    got: dict[str, Any] = {}

    @on(A201.set_charging_profile)
    async def on_set_charging_profile(self, evse_id: int, charging_profile: dict[str, Any],
                                      **kw: Any) -> r201.SetChargingProfile:
        self.got = {"evse_id": evse_id, "id": charging_profile["id"]}
        return r201.SetChargingProfile(status="Accepted", status_info={"reason_code": "Fine"})


class Point16(Charger16):
    @on(A16.change_configuration)
    async def on_change_configuration(self, key: str, value: str, **kw: Any) -> r16.ChangeConfiguration:
        return r16.ChangeConfiguration(status="RebootRequired")


def audit_rows(bridge: Bridge) -> list[CommandAudit]:
    with bridge.runtime.sessions() as session:
        return list(session.scalars(select(CommandAudit).order_by(CommandAudit.id)))


def test_every_package_action_has_one_direction() -> None:
    for protocol in ("ocpp1.6", "ocpp2.0.1"):
        assert csms_actions(protocol) | CHARGER_INITIATED[protocol] == all_actions(protocol)
        assert csms_actions(protocol) & CHARGER_INITIATED[protocol] == {"DataTransfer"}
    assert {"SetChargingProfile", "SetVariables", "SetDisplayMessage", "CustomerInformation"} <= csms_actions(
        "ocpp2.0.1")
    assert {"ChangeConfiguration", "GetDiagnostics", "SendLocalList", "ReserveNow"} <= csms_actions("ocpp1.6")


async def test_a_raw_set_charging_profile_is_answered_verbatim_and_audited(bridge: Bridge) -> None:
    async with connected(Station201, bridge.url, "CP-2001", "ocpp2.0.1") as cp:
        result = await bridge.service.run_raw("CP-2001", "SetChargingProfile", PROFILE_201, requested_by="api")
        assert cp.got == {"evse_id": 1, "id": 7}
    assert result["answer"] == {"status": "Accepted", "statusInfo": {"reasonCode": "Fine"}}
    assert (result["status"], result["verified"], result["detail"]) == ("Accepted", None, None)
    row = audit_rows(bridge)[-1]
    assert (row.id, row.action, row.status, row.answer, row.requested_by) == (
        result["audit_id"], "SetChargingProfile", "Accepted", result["answer"], "api")
    assert row.params == {"payload": PROFILE_201}


async def test_id_tokens_in_a_raw_payload_are_masked_in_the_audit(bridge: Bridge) -> None:
    payload = {"idToken": {"idToken": "04A2B3C4D5", "type": "ISO14443"}, "remoteStartId": 9, "evseId": 1}
    async with connected(Charger201, bridge.url, "CP-2001", "ocpp2.0.1"):
        result = await bridge.service.run_raw("CP-2001", "RequestStartTransaction", payload, requested_by="api")
    assert result["answer"]["status"] == "Accepted"
    assert audit_rows(bridge)[-1].params == {"payload": {"idToken": {"idToken": "04******D5", "type": "ISO14443"},
                                                         "remoteStartId": 9, "evseId": 1}}


async def test_a_charger_call_error_comes_back_with_its_code(bridge: Bridge) -> None:
    async with connected(Charger201, bridge.url, "CP-2001", "ocpp2.0.1"):
        result = await bridge.service.run_raw("CP-2001", "GetLog", {
            "log": {"remoteLocation": "ftp://logs.example/"}, "logType": "DiagnosticsLog", "requestId": 3},
            requested_by="api")
    assert (result["status"], result["answer"]) == ("CallError", None)
    assert result["detail"].startswith("NotImplemented")


@pytest.mark.parametrize("action,payload,problem", [
    ("BootNotification", {}, "is not a central-system action of ocpp2.0.1"),
    ("SetChargingProfile", {"evseId": 1}, "'chargingProfile' is a required property"),
    ("SetVariables", {"setVariableData": [], "extra": 1}, "invalid SetVariables payload"),
    ("ChangeConfiguration", {"key": "a", "value": "b"}, "is not a central-system action of ocpp2.0.1"),
])
async def test_a_raw_action_off_the_protocol_or_schema_is_refused_before_sending(
        bridge: Bridge, action: str, payload: dict[str, Any], problem: str) -> None:
    async with connected(Charger201, bridge.url, "CP-2001", "ocpp2.0.1"):
        with pytest.raises(BadCommand, match=problem):
            await bridge.service.run_raw("CP-2001", action, payload, requested_by="api")
    assert audit_rows(bridge) == []


async def test_bots_and_agents_without_the_ops_role_may_not_send_raw_actions(bridge: Bridge) -> None:
    async with connected(Point16, bridge.url, "CP-2001", "ocpp1.6"):
        for who, role in (("bot:c-1", None), ("agent:ann", "tier1"), ("agent:ann", None)):
            with pytest.raises(PolicyRefused, match="API tokens and the ops role"):
                await bridge.service.run_raw("CP-2001", "ChangeConfiguration", {"key": "a", "value": "b"},
                                             requested_by=who, caller_role=role)
        ops = await bridge.service.run_raw("CP-2001", "ChangeConfiguration", {"key": "a", "value": "b"},
                                           requested_by="agent:olga", caller_role="ops")
    assert ops["answer"] == {"status": "RebootRequired"}
    assert [(r.requested_by, r.status) for r in audit_rows(bridge)] == [
        ("bot:c-1", "Refused"), ("agent:ann", "Refused"), ("agent:ann", "Refused"), ("agent:olga", "RebootRequired")]


async def test_the_commands_api_takes_a_native_payload(bridge: Bridge, web: str) -> None:  # noqa: F811
    async with connected(Point16, bridge.url, "CP-2001", "ocpp1.6"):
        ok = await call("POST", f"{web}/api/chargers/CP-2001/commands", headers=AUTH,
                        json={"action": "ChangeConfiguration", "payload": {"key": "MeterValueSampleInterval",
                                                                           "value": "60"}})
        bad = await call("POST", f"{web}/api/chargers/CP-2001/commands", headers=AUTH,
                         json={"action": "ChangeConfiguration", "payload": {"key": "x"}})
        bot = await call("POST", f"{web}/api/chargers/CP-2001/commands", headers=AUTH,
                         json={"action": "ClearCache", "payload": {}, "requested_by": "bot:c-9"})
        friendly = await call("POST", f"{web}/api/chargers/CP-2001/commands", headers=AUTH,
                              json={"action": "ClearCache", "params": {}, "verify": False})
    assert ok.status_code == 200 and ok.json()["answer"] == {"status": "RebootRequired"}
    assert ok.json()["status"] == "RebootRequired"
    assert bad.status_code == 400 and "'value' is a required property" in bad.json()["detail"]
    assert bot.status_code == 409 and bot.json()["reason"] == "raw OCPP actions are for API tokens and the ops role only"
    assert friendly.status_code == 200 and friendly.json()["status"] == "CallError"  # the friendly form, unchanged


async def test_the_client_sends_raw_actions(bridge: Bridge) -> None:
    client = BridgeClient(bridge.control_url, "test-token", timeout=20)
    async with connected(Station201, bridge.url, "CP-2001", "ocpp2.0.1"):
        result = await asyncio.to_thread(client.command, "CP-2001", "SetChargingProfile", requested_by="api",
                                         payload=PROFILE_201)
    assert (result.status, result.answer) == ("Accepted", {"status": "Accepted", "statusInfo": {"reasonCode": "Fine"}})
