"""Bad frames, floods and oversized messages never take the bridge down."""

from __future__ import annotations

import asyncio
import json

from ocpp.v16 import call as c16
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from ocpp_bridge.core import BridgeOptions
from ocpp_bridge.server import Bridge
from tests.ocpp_bridge.chargers import Charger16, connected


async def exchange(ws, frame: str) -> list:
    await ws.send(frame)
    return json.loads(await asyncio.wait_for(ws.recv(), 5))


async def test_malformed_frames_get_call_errors_and_the_connection_lives_on(bridge: Bridge) -> None:
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"]) as ws:
        assert await exchange(ws, '[2, "a1", "Heartbeat", {') == [4, "-1", "FormationViolation",
                                                                 "Message is not valid JSON", {}]
        wrong_type = await exchange(ws, '[7, "a2", "Heartbeat", {}]')
        assert wrong_type[:3] == [4, "a2", "PropertyConstraintViolation"]
        unknown = await exchange(ws, '[2, "a3", "FlyToTheMoon", {}]')
        assert unknown[:3] == [4, "a3", "NotSupported"]
        unhandled = await exchange(ws, '[2, "a3b", "GetConfiguration", {}]')
        assert unhandled[:3] == [4, "a3b", "NotImplemented"]
        schema = await exchange(ws, '[2, "a4", "StatusNotification", {"connectorId": "one"}]')
        assert schema[0] == 4 and schema[1] == "a4"
        not_object = await exchange(ws, '[2, "a5", "Heartbeat", [1, 2]]')
        assert not_object[:3] == [4, "a5", "FormationViolation"]
        ok = await exchange(ws, '[2, "a6", "Heartbeat", {}]')
        assert ok[0] == 3 and ok[1] == "a6" and "currentTime" in ok[2]


async def test_201_unsupported_actions_get_not_supported_or_not_implemented(bridge: Bridge) -> None:
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp2.0.1"]) as ws:
        answer = await exchange(ws, '[2, "b1", "NotifyReport", {"requestId": 1, "generatedAt": "2026-01-01T00:00:00Z", "seqNo": 0}]')
        assert answer[:3] == [4, "b1", "NotImplemented"]
        junk = await exchange(ws, '"just a string"')
        assert junk[0] == 4 and junk[2] == "RpcFrameworkError" or junk[2] == "ProtocolError"


async def test_a_huge_frame_closes_only_that_connection(bridge: Bridge) -> None:
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"], max_size=None) as ws:
        await ws.send(json.dumps([2, "big", "DataTransfer", {"vendorId": "x", "data": "y" * 100_000}]))
        try:
            await asyncio.wait_for(ws.recv(), 5)
        except ConnectionClosed as exc:
            assert exc.rcvd is not None and exc.rcvd.code == 1009
    async with connected(Charger16, bridge.url, "CP-2001", "ocpp1.6") as cp:
        assert (await cp.boot()).status == "Accepted"


async def test_a_flood_is_answered_with_errors_then_closed(fleet_runtime) -> None:
    options = BridgeOptions(rate_per_second=1, rate_burst=5, flood_close_after=20, gc_freeze=False)
    async with Bridge(fleet_runtime, "127.0.0.1", 0, None, options=options) as bridge:
        async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"]) as ws:
            for n in range(40):
                await ws.send(json.dumps([2, f"f{n}", "Heartbeat", {}]))
            answers = []
            try:
                while True:
                    answers.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
            except ConnectionClosed as exc:
                assert exc.rcvd is not None and exc.rcvd.code == 1008
        assert [a[0] for a in answers[:5]] == [3, 3, 3, 3, 3]
        assert answers[5][:3] == [4, "f5", "GenericError"]
        async with connected(Charger16, bridge.url, "CP-1042", "ocpp1.6", "s3cret-key-for-cp-1042") as cp:
            assert (await cp.call(c16.Heartbeat(), suppress=False)).current_time
