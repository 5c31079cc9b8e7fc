"""Remote commands reach a real charger, come back with its answer, and are verified from its own messages."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import select
from websockets.asyncio.client import connect

from bot.errors import ChargerUnreachable, PolicyRefused, UnknownCharger
from ocpp_bridge.calls import CommandTimeout
from ocpp_bridge.commands import BadCommand
from ocpp_bridge.models import CommandAudit
from ocpp_bridge.policy import set_safety_lock
from ocpp_bridge.server import Bridge
from tests.ocpp_bridge.chargers import Charger16, Charger201, connected
from tests.ocpp_bridge.conftest import PASSWORD


def audits(bridge: Bridge) -> list[CommandAudit]:
    with bridge.runtime.sessions() as session:
        return list(session.scalars(select(CommandAudit).order_by(CommandAudit.id)))


async def test_a_soft_reset_is_verified_by_boot_then_available(bridge: Bridge) -> None:
    async with connected(Charger16, bridge.url, "CP-1042", "ocpp1.6", PASSWORD) as cp:
        await cp.boot()
        result = await bridge.service.run("CP-1042", "Reset", {"type": "Soft"}, requested_by="api")
    assert result["status"] == "Accepted" and result["verified"] is True
    assert [e["event"] for e in result["observed"]][:2] == ["BootNotification", "StatusNotification"]
    row = audits(bridge)[-1]
    assert (row.id, row.action, row.params, row.status, row.verified, row.requested_by) == (
        result["audit_id"], "Reset", {"type": "Soft"}, "Accepted", True, "api")


async def test_unlock_and_change_availability_are_verified_on_201(bridge: Bridge) -> None:
    async with connected(Charger201, bridge.url, "CP-2001", "ocpp2.0.1") as cp:
        await cp.boot()
        unlock = await bridge.service.run("CP-2001", "UnlockConnector", {"connector_id": 1}, requested_by="agent:ann")
        reset = await bridge.service.run("CP-2001", "Reset", {"type": "Hard"}, requested_by="api")
    assert unlock["status"] == "Unlocked" and unlock["verified"] is True
    assert unlock["observed"][0] == {"event": "StatusNotification", "connector_id": 1, "status": "Available",
                                     "error_code": None}
    assert reset["status"] == "Accepted" and reset["verified"] is True


async def test_change_availability_reports_the_status_change(bridge: Bridge) -> None:
    async with connected(Charger16, bridge.url, "CP-2001", "ocpp1.6") as cp:
        await cp.boot()
        result = await bridge.service.run("CP-2001", "ChangeAvailability", {"connector_id": 1, "type": "Inoperative"},
                                          requested_by="api")
    assert result["status"] == "Accepted" and result["verified"] is True
    assert result["observed"][-1]["status"] == "Unavailable"


@pytest.mark.parametrize("cls,protocol,name", [(Charger16, "ocpp1.6", "RequestStartTransaction"),
                                               (Charger201, "ocpp2.0.1", "RemoteStartTransaction")])
async def test_remote_start_is_translated_to_the_chargers_protocol(bridge: Bridge, cls, protocol, name) -> None:
    async with connected(cls, bridge.url, "CP-2001", protocol) as cp:
        await cp.boot()
        result = await bridge.service.run("CP-2001", name, {"id_tag": "04A2B3C4D5", "connector_id": 1},
                                          requested_by="api")
        from ocpp_bridge.state import charger_snapshot

        with bridge.runtime.sessions() as session:
            snap = charger_snapshot(session, "CP-2001")
    assert result["status"] == "Accepted" and result["verified"] is True
    assert snap["active_transaction"]["id_tag"] == "04******D5"
    assert audits(bridge)[-1].params["id_tag"] == "04******D5"


async def test_get_configuration_returns_the_chargers_answer(bridge: Bridge) -> None:
    async with connected(Charger16, bridge.url, "CP-2001", "ocpp1.6"):
        result = await bridge.service.run("CP-2001", "GetVariables", {"key": ["HeartbeatInterval"]}, requested_by="api")
    assert result["status"] == "Accepted" and result["verified"] is None
    assert result["answer"]["configuration_key"][0]["value"] == "300"


async def test_an_unimplemented_command_comes_back_as_a_call_error(bridge: Bridge) -> None:
    async with connected(Charger16, bridge.url, "CP-2001", "ocpp1.6"):
        result = await bridge.service.run("CP-2001", "ClearCache", {}, requested_by="api")
    assert result["status"] == "CallError" and result["detail"].startswith("NotImplemented")
    assert result["verified"] is False


async def test_a_charger_that_never_answers_times_out_and_is_audited(bridge: Bridge) -> None:
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"]) as ws:
        for _ in range(100):
            if bridge.core.link("CP-2001"):
                break
            await asyncio.sleep(0.01)
        with pytest.raises(CommandTimeout) as info:
            await bridge.service.run("CP-2001", "Reset", {}, requested_by="api")
        frame = json.loads(await ws.recv())
    assert frame[0] == 2 and frame[2] == "Reset" and frame[3] == {"type": "Soft"}
    assert audits(bridge)[-1].status == "Timeout" and audits(bridge)[-1].id == info.value.audit_id


async def test_commands_for_offline_unknown_or_unsupported_targets_fail_clearly(bridge: Bridge) -> None:
    with pytest.raises(ChargerUnreachable, match="not connected"):
        await bridge.service.run("CP-2001", "Reset", {}, requested_by="api")
    with pytest.raises(UnknownCharger):
        await bridge.service.run("CP-0000", "Reset", {}, requested_by="api")
    with pytest.raises(BadCommand, match="unsupported action 'UpdateFirmware'"):
        await bridge.service.run("CP-2001", "UpdateFirmware", {}, requested_by="api")


async def test_the_policy_refuses_a_bot_reset_on_a_healthy_charger_and_says_why(bridge: Bridge) -> None:
    async with connected(Charger16, bridge.url, "CP-2001", "ocpp1.6") as cp:
        await cp.status(1, "Available")
        with pytest.raises(PolicyRefused) as info:
            await bridge.service.run("CP-2001", "Reset", {"type": "Soft"}, requested_by="bot:conv-1")
        assert "only approved when connector faulted" in info.value.reason
        await cp.status(1, "Faulted", error="OtherError")
        result = await bridge.service.run("CP-2001", "Reset", {"type": "Soft"}, requested_by="bot:conv-1")
        assert result["verified"] is True
        await cp.status(1, "Faulted", error="OtherError")  # the reset did not help
        with pytest.raises(PolicyRefused, match="already used 1 times in this conversation"):
            await bridge.service.run("CP-2001", "Reset", {"type": "Soft"}, requested_by="bot:conv-1")
        with pytest.raises(PolicyRefused, match="Hard is not approved"):
            await bridge.service.run("CP-2001", "Reset", {"type": "Hard"}, requested_by="bot:conv-2")
    statuses = [(a.requested_by, a.status) for a in audits(bridge)]
    assert statuses == [("bot:conv-1", "Refused"), ("bot:conv-1", "Accepted"), ("bot:conv-1", "Refused"),
                        ("bot:conv-2", "Refused")]


async def test_a_safety_lock_leaves_the_bot_only_taking_the_charger_out_of_service(bridge: Bridge) -> None:
    with bridge.runtime.sessions.begin() as session:
        set_safety_lock(session, "CP-2001", "driver reports burning smell")
    async with connected(Charger16, bridge.url, "CP-2001", "ocpp1.6") as cp:
        await cp.status(1, "Faulted", error="OtherError")
        with pytest.raises(PolicyRefused, match="safety-locked"):
            await bridge.service.run("CP-2001", "Reset", {"type": "Soft"}, requested_by="bot:conv-9")
        result = await bridge.service.run("CP-2001", "ChangeAvailability", {"connector_id": 0, "type": "Inoperative"},
                                          requested_by="bot:conv-9")
    assert result["status"] == "Accepted"


async def test_parameters_the_schema_forbids_are_refused_before_sending(bridge: Bridge) -> None:
    async with connected(Charger16, bridge.url, "CP-2001", "ocpp1.6") as cp:
        with pytest.raises(BadCommand, match="invalid parameters for TriggerMessage"):
            await bridge.service.run("CP-2001", "TriggerMessage", {"requested_message": "Coffee"}, requested_by="api")
        with pytest.raises(BadCommand, match="connector_id is required"):
            await bridge.service.run("CP-2001", "UnlockConnector", {}, requested_by="api")
        assert cp.received == []
