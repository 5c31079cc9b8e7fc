"""Bad frames, floods and oversized messages never take the bridge down, reach the database, or leak id tags.

A raw websocket client sends the exact frames; the bridge answers with the CALLERROR OCPP-J prescribes
(1.6 spells its codes differently: FormationViolation), logs one WARNING line per invalid message and keeps the
connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from ocpp.v16 import call as c16
from sqlalchemy import func, select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bot.appstate import set_value
from ocpp_bridge.core import BridgeOptions
from ocpp_bridge.models import ChargingSession, ConnectorState
from ocpp_bridge.server import Bridge
from ocpp_bridge.state import charger_snapshot
from tests.ocpp_bridge.chargers import Charger16, connected, now
from tests.ocpp_bridge.conftest import PASSWORD

TAG = "04A2B3C4D5E6F7A8B9C0D1E2F37F"  # longer than 1.6's 20 characters: fails the schema


async def exchange(ws: ClientConnection, frame: str) -> list[Any]:
    await ws.send(frame)
    return json.loads(await asyncio.wait_for(ws.recv(), 5))  # type: ignore[no-any-return]


def codes(answer: list[Any]) -> list[Any]:
    return answer[:3]


def snap(bridge: Bridge, charger_id: str) -> dict[str, Any]:
    with bridge.runtime.sessions() as session:
        return charger_snapshot(session, charger_id)  # type: ignore[return-value]


def bridge_log(caplog: pytest.LogCaptureFixture) -> str:
    """What the bridge logged (the test's chargers log their raw frames too, as `ocpp` and `websockets.client`)."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("ocpp_bridge", "websockets.server")))


def rows(bridge: Bridge, model: Any, charger_id: str) -> int:
    with bridge.runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(  # type: ignore[no-any-return]
            model.charger_id == charger_id))


async def test_malformed_16_frames_get_call_errors_and_the_connection_lives_on(bridge: Bridge) -> None:
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"]) as ws:
        assert await exchange(ws, '[2, "a1", "Heartbeat", {') == [4, "-1", "FormationViolation",
                                                                 "Message is not valid JSON", {}]
        assert codes(await exchange(ws, '[7, "a2", "Heartbeat", {}]')) == [4, "a2", "FormationViolation"]
        assert codes(await exchange(ws, '[2, 17, "Heartbeat", {}]')) == [4, "-1", "FormationViolation"]
        assert codes(await exchange(ws, json.dumps([2, "i" * 37, "Heartbeat", {}]))) == [4, "-1",
                                                                                          "FormationViolation"]
        assert codes(await exchange(ws, '[2, "a3", ["Heartbeat"], {}]')) == [4, "a3", "FormationViolation"]
        assert codes(await exchange(ws, '[2, "a4", "FlyToTheMoon", {}]')) == [4, "a4", "NotSupported"]
        assert codes(await exchange(ws, '[2, "a5", "GetConfiguration", {}]')) == [4, "a5", "NotImplemented"]
        assert codes(await exchange(ws, '[2, "a6", "StatusNotification", {"connectorId": "one"}]'))[:2] == [4, "a6"]
        assert codes(await exchange(ws, '[2, "a7", "Heartbeat", [1, 2]]')) == [4, "a7", "FormationViolation"]
        assert codes(await exchange(ws, '[2, "a8", "Authorize", {}]')) == [4, "a8", "ProtocolError"]
        ok = await exchange(ws, '[2, "a9", "Heartbeat", {}]')
        assert ok[:2] == [3, "a9"] and "currentTime" in ok[2]


async def test_malformed_201_frames_get_rpc_framework_errors(bridge: Bridge) -> None:
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp2.0.1"]) as ws:
        assert codes(await exchange(ws, '"just a string"')) == [4, "-1", "RpcFrameworkError"]
        assert codes(await exchange(ws, '[2, "b1", "Heartbeat", {')) == [4, "-1", "RpcFrameworkError"]
        assert codes(await exchange(ws, '[6, "b2", "NotifyEventStream", {}]')) == [4, "b2", "MessageTypeNotSupported"]
        assert codes(await exchange(ws, '[2, 42, "Heartbeat", {}]')) == [4, "-1", "RpcFrameworkError"]
        assert codes(await exchange(ws, '[2, "b3", ["Heartbeat"], {}]')) == [4, "b3", "RpcFrameworkError"]
        assert codes(await exchange(ws, '[2, "b4", "Heartbeat", "x"]')) == [4, "b4", "FormatViolation"]
        # every charger message is answered now; a central-system action sent by the charger still is not
        report = '[2, "b5", "GetBaseReport", {"requestId": 1, "reportBase": "FullInventory"}]'
        assert codes(await exchange(ws, report)) == [4, "b5", "NotImplemented"]
        assert (await exchange(ws, '[2, "b6", "Heartbeat", {}]'))[:2] == [3, "b6"]


async def test_a_broken_or_unexpected_response_is_never_answered(bridge: Bridge) -> None:
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"]) as ws:
        await ws.send('[3, 5, {}]')
        await ws.send('[3, "nobody-asked", {"status": "Accepted"}]')
        await ws.send('[4, "nobody-asked", "GenericError", "", {}]')
        assert (await exchange(ws, '[2, "c1", "Heartbeat", {}]'))[:2] == [3, "c1"]  # the next answer is the CALL's


async def test_connectors_the_fleet_does_not_list_are_refused_and_never_recorded(bridge: Bridge) -> None:
    status = '[2, "{id}", "StatusNotification", {{"connectorId": {cid}, "errorCode": "NoError", "status": "Available"}}]'
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"]) as ws:  # the fleet lists connector 1
        for cid in (-5, 2, 999):
            answer = await exchange(ws, status.format(id=f"s{cid}", cid=cid))
            assert codes(answer) == [4, f"s{cid}", "PropertyConstraintViolation"]
            assert answer[3] == f"connectorId: {cid} is not a connector of this charger (1)"
        assert (await exchange(ws, status.format(id="s0", cid=0)))[0] == 3  # 0 is the charger itself
        assert (await exchange(ws, status.format(id="s1", cid=1)))[0] == 3
        start = json.dumps([2, "t1", "StartTransaction", {"connectorId": 999, "idTag": "04A2B3C4D5",
                                                          "meterStart": 0, "timestamp": now()}])
        assert codes(await exchange(ws, start)) == [4, "t1", "PropertyConstraintViolation"]
        start0 = start.replace("999", "0").replace("t1", "t2")
        assert codes(await exchange(ws, start0)) == [4, "t2", "PropertyConstraintViolation"]
    live = snap(bridge, "CP-2001")
    assert [c["id"] for c in live["connectors"]] == [1] and live["charger_status"]["status"] == "Available"
    assert rows(bridge, ConnectorState, "CP-2001") == 2 and rows(bridge, ChargingSession, "CP-2001") == 0


async def test_201_evse_ids_the_fleet_does_not_list_are_refused_and_never_recorded(bridge: Bridge) -> None:
    def status(msg_id: str, evse: int, connector: int = 1) -> str:
        return json.dumps([2, msg_id, "StatusNotification", {"timestamp": now(), "connectorStatus": "Available",
                                                              "evseId": evse, "connectorId": connector}])

    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp2.0.1"]) as ws:
        assert codes(await exchange(ws, status("e1", 7))) == [4, "e1", "PropertyConstraintViolation"]
        assert codes(await exchange(ws, status("e2", 0))) == [4, "e2", "PropertyConstraintViolation"]
        assert codes(await exchange(ws, status("e3", 1, connector=-1))) == [4, "e3", "PropertyConstraintViolation"]
        assert (await exchange(ws, status("e4", 1)))[0] == 3
        event = json.dumps([2, "e5", "TransactionEvent", {
            "eventType": "Started", "timestamp": now(), "triggerReason": "Authorized", "seqNo": 0,
            "transactionInfo": {"transactionId": "tx-bad"}, "evse": {"id": 3}}])
        assert codes(await exchange(ws, event)) == [4, "e5", "PropertyConstraintViolation"]
    assert [c["id"] for c in snap(bridge, "CP-2001")["connectors"]] == [1]
    assert rows(bridge, ChargingSession, "CP-2001") == 0


async def test_a_charger_the_fleet_lists_no_connectors_for_may_use_1_to_8(bridge: Bridge) -> None:
    with bridge.runtime.sessions.begin() as session:
        set_value(session, "fleet.auto_accept", "true")
    status = '[2, "{cid}", "StatusNotification", {{"connectorId": {cid}, "errorCode": "NoError", "status": "Available"}}]'
    async with connect(f"{bridge.url}/CP-NEW", subprotocols=["ocpp1.6"]) as ws:
        assert [(await exchange(ws, status.format(cid=cid)))[0] for cid in (1, 8, 9, -1)] == [3, 3, 4, 4]
    assert [c["id"] for c in snap(bridge, "CP-NEW")["connectors"]] == [1, 8]


async def test_integers_beyond_32_bits_are_refused_before_the_database(bridge: Bridge) -> None:
    async with connect(f"{bridge.url}/CP-1042", subprotocols=["ocpp1.6"],
                       additional_headers=_basic("CP-1042", PASSWORD)) as ws:
        huge = json.dumps([2, "h1", "StatusNotification", {"connectorId": 2**63, "errorCode": "NoError",
                                                           "status": "Available"}])
        answer = await exchange(ws, huge)
        assert answer[:4] == [4, "h1", "TypeConstraintViolation", "connectorId: integer out of range (32-bit)"]
        start = json.dumps([2, "h2", "StartTransaction", {"connectorId": 1, "idTag": "04A2B3C4D5",
                                                          "meterStart": 2**31, "timestamp": now()}])
        assert codes(await exchange(ws, start)) == [4, "h2", "TypeConstraintViolation"]
        stop = json.dumps([2, "h3", "StopTransaction", {"transactionId": -(2**40), "meterStop": 1,
                                                        "timestamp": now()}])
        assert codes(await exchange(ws, stop)) == [4, "h3", "TypeConstraintViolation"]
        assert (await exchange(ws, '[2, "h4", "Heartbeat", {}]'))[0] == 3
    assert rows(bridge, ConnectorState, "CP-1042") == 0 and rows(bridge, ChargingSession, "CP-1042") == 0


async def test_an_invalid_message_is_one_warning_without_traceback_or_id_tag(
        bridge: Bridge, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"]) as ws:
        start = json.dumps([2, "w1", "StartTransaction", {"connectorId": 1, "idTag": TAG, "meterStart": 0,
                                                          "timestamp": now()}])
        answer = await exchange(ws, start)
        assert answer[:4] == [4, "w1", "TypeConstraintViolation", "idTag: longer than 20 characters"]
        await exchange(ws, json.dumps([2, "w2", "Authorize", {"idTag": TAG, "extra": TAG}]))
        await exchange(ws, json.dumps([2, "w3", "Authorize", {"idTag": "0BADCAFE01"}]))  # valid, blocked tag
    logged = bridge_log(caplog)
    assert TAG not in logged and TAG[:20] not in logged and "0BADCAFE01" not in logged
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "charger=CP-2001 action=StartTransaction message=w1 invalid: TypeConstraintViolation: "
        "idTag: longer than 20 characters",
        "charger=CP-2001 action=Authorize message=w2 invalid: FormationViolation: "
        "payload: Additional properties are not allowed ('extra' was unexpected)",
    ]
    assert "charger=CP-2001 id tag 0B******01 refused: Blocked" in caplog.text


async def test_the_wire_log_masks_id_tags(bridge: Bridge, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with connected(Charger16, bridge.url, "CP-2001", "ocpp1.6") as cp:
        await cp.call(c16.Authorize(id_tag="04A2B3C4D5"), suppress=False)
        await cp.call(c16.StartTransaction(connector_id=1, id_tag="04A2B3C4D5", meter_start=0, timestamp=now()),
                      suppress=False)
    assert "04A2B3C4D5" not in bridge_log(caplog)


async def test_a_huge_frame_closes_only_that_connection(bridge: Bridge) -> None:
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"], max_size=None) as ws:
        await ws.send(json.dumps([2, "big", "DataTransfer", {"vendorId": "x", "data": "y" * 100_000}]))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    async with connected(Charger16, bridge.url, "CP-2001", "ocpp1.6") as cp:
        assert (await cp.boot()).status == "Accepted"


async def test_a_flood_is_answered_with_errors_then_closed(fleet_runtime) -> None:  # type: ignore[no-untyped-def]
    options = BridgeOptions(rate_per_second=1, rate_burst=5, flood_close_after=20, gc_freeze=False)
    async with Bridge(fleet_runtime, "127.0.0.1", 0, None, options=options) as bridge:
        async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"]) as ws:
            for n in range(40):
                await ws.send(json.dumps([2, f"f{n}", "Heartbeat", {}]))
            answers = []
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    answers.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        assert [a[0] for a in answers[:5]] == [3, 3, 3, 3, 3]
        assert answers[5][:3] == [4, "f5", "GenericError"]
        async with connected(Charger16, bridge.url, "CP-1042", "ocpp1.6", PASSWORD) as cp:
            assert (await cp.call(c16.Heartbeat(), suppress=False)).current_time


async def test_a_charger_sending_as_fast_as_it_can_is_disconnected_with_the_default_limits(
        bridge: Bridge, caplog: pytest.LogCaptureFixture) -> None:
    # the default limits (60/6s, 200 refused within 10 s); the old count of refusals "in a row" was reset by
    # every frame the bucket let through, so a charger at 1,000 frames/s was never disconnected
    assert (bridge.options.rate_per_second, bridge.options.flood_close_after) == (10.0, 200)
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"], max_queue=None) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            for n in range(20_000):
                await ws.send(json.dumps([2, f"f{n}", "Heartbeat", {}]))
            while True:  # the answers sent before the close, then the close
                await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert "charger=CP-2001 flooded: 200 frames refused within 10 s; closing the connection (1008)" in caplog.text
    assert [r for r in caplog.records if r.exc_info] == []


async def test_a_burst_within_the_limit_is_answered_in_full(bridge: Bridge) -> None:
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"]) as ws:
        for n in range(50):
            await ws.send(json.dumps([2, f"b{n}", "Heartbeat", {}]))
        answers = [json.loads(await asyncio.wait_for(ws.recv(), 5)) for _ in range(50)]
    assert [a[0] for a in answers] == [3] * 50


def _basic(user: str, password: str) -> dict[str, str]:
    from tests.ocpp_bridge.chargers import basic

    return basic(user, password)
