"""Tokens at run time (API and CLI), the group sent with a token's verdict, and an operator-set boot answer."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner
from websockets.asyncio.client import connect

from bot.cli.common import main_group
from bot.runtime import Runtime
from ocpp_bridge.server import Bridge
from ocpp_bridge.tokens import set_boot_answer, set_token
from ocpp_bridge.tokens_cli import register
from tests.ocpp_bridge.test_web import AUTH, call, web  # noqa: F401  (the web fixture)

BOOT_201 = {"chargingStation": {"model": "Fast", "vendorName": "ACME"}, "reason": "PowerUp"}
BOOT_16 = {"chargePointVendor": "ACME", "chargePointModel": "Fast"}
TAG = {"idToken": "04A2B3C4D5", "type": "ISO14443"}


async def exchange(ws: Any, n: int, action: str, payload: dict[str, Any]) -> list[Any]:
    await ws.send(json.dumps([2, f"m{n}", action, payload]))
    return json.loads(await ws.recv())  # type: ignore[no-any-return]


async def test_the_group_goes_out_as_group_id_token_and_parent_id_tag(bridge: Bridge) -> None:
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp2.0.1"]) as ws:
        answer = await exchange(ws, 1, "Authorize", {"idToken": TAG})
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"]) as ws:
        answer16 = await exchange(ws, 1, "Authorize", {"idTag": "04A2B3C4D5"})
    assert answer[2]["idTokenInfo"] == {"status": "Accepted", "cacheExpiryDateTime": "2027-12-31T00:00:00+00:00",
                                        "groupIdToken": {"idToken": "fleet-a", "type": "Central"}}
    assert answer16[2]["idTagInfo"] == {"status": "Accepted", "expiryDate": "2027-12-31T00:00:00+00:00",
                                        "parentIdTag": "fleet-a"}


async def test_a_token_added_or_blocked_through_the_api_counts_at_the_next_authorize(
        bridge: Bridge, web: str) -> None:  # noqa: F811
    added = await call("POST", f"{web}/api/tokens", headers=AUTH,
                       json={"id_tag": "CAFE0001", "status": "Accepted", "group": "depot", "expiry": "2030-01-31"})
    changed = await call("POST", f"{web}/api/tokens", headers=AUTH, json={"id_tag": "04A2B3C4D5", "status": "Blocked"})
    bad = await call("POST", f"{web}/api/tokens", headers=AUTH, json={"id_tag": "X", "status": "Maybe"})
    unauthorized = await call("POST", f"{web}/api/tokens", json={"id_tag": "X", "status": "Accepted"})
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp2.0.1"]) as ws:
        new = await exchange(ws, 1, "Authorize", {"idToken": {"idToken": "CAFE0001", "type": "ISO14443"}})
        blocked = await exchange(ws, 2, "Authorize", {"idToken": TAG})
    assert (added.status_code, added.json()) == (201, {"id_tag": "CA******01", "status": "Accepted", "group": "depot",
                                                       "expiry": "2030-01-31"})
    assert (changed.status_code, changed.json()["status"]) == (200, "Blocked")
    assert bad.status_code == 400 and "status must be one of" in bad.json()["detail"]
    assert unauthorized.status_code == 401
    assert new[2]["idTokenInfo"]["groupIdToken"] == {"idToken": "depot", "type": "Central"}
    assert blocked[2]["idTokenInfo"]["status"] == "Blocked"


def test_the_tokens_command_adds_and_blocks(fleet_runtime: Runtime, monkeypatch: Any) -> None:
    monkeypatch.setenv("CHARGELINE_DATABASE_URL", str(fleet_runtime.engine.url.render_as_string(hide_password=False)))
    monkeypatch.setenv("CHARGELINE_API_TOKEN", "t")
    register(main_group)
    runner = CliRunner()
    added = runner.invoke(main_group, ["tokens", "add", "CAFE0002", "--group", "g1"])
    blocked = runner.invoke(main_group, ["tokens", "block", "CAFE0002"])
    assert (added.exit_code, added.output.splitlines()[-1]) == (0, "added CA******02: Accepted")  # logs go first
    assert (blocked.exit_code, blocked.output.splitlines()[-1]) == (0, "blocked CA******02")
    assert fleet_runtime.sessions is not None
    assert set_token(fleet_runtime.sessions, "CAFE0002", "Blocked").group == "g1"


async def test_a_pending_boot_refuses_other_messages_with_security_error(bridge: Bridge, web: str) -> None:  # noqa: F811
    pending = await call("POST", f"{web}/api/chargers/CP-2001/boot", headers=AUTH, json={"status": "Pending"})
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp2.0.1"]) as ws:
        before = await exchange(ws, 0, "Heartbeat", {})
        boot = await exchange(ws, 1, "BootNotification", BOOT_201)
        refused = await exchange(ws, 2, "Heartbeat", {})
        status = await exchange(ws, 3, "StatusNotification", {"timestamp": "2026-12-06T10:00:00Z",
                                                              "connectorStatus": "Available", "evseId": 1,
                                                              "connectorId": 1})
        await call("POST", f"{web}/api/chargers/CP-2001/boot", headers=AUTH, json={"status": "Accepted"})
        again = await exchange(ws, 4, "BootNotification", BOOT_201)
        accepted = await exchange(ws, 5, "Heartbeat", {})
    assert pending.status_code == 200 and before[0] == 3  # before any boot, nothing is refused
    assert (boot[2]["status"], boot[2]["interval"]) == ("Pending", bridge.options.boot_retry)
    assert refused[:3] == [4, "m2", "SecurityError"] and status[:3] == [4, "m3", "SecurityError"]
    assert again[2]["status"] == "Accepted" and accepted[0] == 3


async def test_a_triggered_message_is_allowed_while_pending(bridge: Bridge) -> None:
    set_boot_answer(bridge.runtime.sessions, "CP-2001", "Pending")
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"]) as ws:
        boot = await exchange(ws, 1, "BootNotification", BOOT_16)
        link = bridge.core.link("CP-2001")
        assert link is not None
        import asyncio

        task = asyncio.create_task(link.send_raw("TriggerMessage", {"requestedMessage": "Heartbeat"}))
        trigger = json.loads(await ws.recv())
        await ws.send(json.dumps([3, trigger[1], {"status": "Accepted"}]))
        assert await task == {"status": "Accepted"}
        triggered = await exchange(ws, 2, "Heartbeat", {})
        second = await exchange(ws, 3, "Heartbeat", {})
    assert boot[2]["status"] == "Pending"
    assert triggered[0] == 3 and second[:3] == [4, "m3", "SecurityError"]


async def test_a_rejected_boot_refuses_everything_but_boot(bridge: Bridge) -> None:
    set_boot_answer(bridge.runtime.sessions, "CP-2001", "Rejected")
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"]) as ws:
        boot = await exchange(ws, 1, "BootNotification", BOOT_16)
        refused = await exchange(ws, 2, "Authorize", {"idTag": "04A2B3C4D5"})
    assert boot[2]["status"] == "Rejected" and refused[:3] == [4, "m2", "SecurityError"]
