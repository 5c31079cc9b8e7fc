"""Relay mode on the wire: frames pass both ways byte for byte, the handshake is the CSMS's, credentials pass."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
from pathlib import Path

import pytest
from ocpp.v16 import call as c16
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from bot.fleet import import_fleet
from bot.fleet.loader import ChargerSpec, ConnectorSpec, UpstreamSpec
from bot.runtime import Runtime
from ocpp_bridge.relay import RelayConfig
from ocpp_bridge.server import Bridge
from tests.ocpp_bridge.chargers import basic
from tests.ocpp_bridge.conftest import PASSWORD, TEST_OPTIONS
from tests.ocpp_bridge.upstream import OperatorCSMS

# odd spacing, key order, escapes and numbers a re-encoder would change; the CSMS parses them all the same
CHARGER_FRAMES = [
    '[2, "m-1","BootNotification", {"chargePointVendor":"ACME","chargePointModel":"F\\u00fcnf-150"}]',
    '[2,"m-2","StatusNotification",{"status":"Available","errorCode":"NoError","connectorId":1,'
    '"timestamp":"2026-01-01T00:00:00.000Z"}]',
    '[2,"m-3","Heartbeat",{}]   ',
    '[2,"m-4","StatusNotification",{"connectorId":"one"}]',  # off its schema: the CSMS answers, we do not record
    '[2,"m-5","Heartbeat" not json',  # malformed: passed on, the CSMS decides (this one ignores it)
]


async def _recv_until(ws, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [await asyncio.wait_for(ws.recv(), 5) for _ in range(count)]


async def test_frames_pass_both_ways_byte_for_byte_in_order(relay: Bridge, csms: OperatorCSMS) -> None:
    async with connect(f"{relay.url}/CP-2001", subprotocols=["ocpp1.6"]) as charger:  # type: ignore[list-item]
        for frame in CHARGER_FRAMES:
            await charger.send(frame)
        answers = await _recv_until(charger, 4)  # the CSMS answers the four CALLs; not the object
        await csms.wait_for(lambda: len(csms.received.get("CP-2001", [])) == len(CHARGER_FRAMES))
        command = asyncio.ensure_future(csms.send("CP-2001", c16.GetConfiguration(key=["HeartbeatInterval"])))
        [call] = await _recv_until(charger, 1)
        unique_id = json.loads(call)[1]
        reply = f'[3,  "{unique_id}" , {{"configurationKey":[{{"key":"HeartbeatInterval","readonly":false,' \
                f'"value":"300"}}],"unknownKey":[]}}]'
        await charger.send(reply)
        result = await asyncio.wait_for(command, 5)
    assert csms.received["CP-2001"] == CHARGER_FRAMES + [reply]
    assert csms.sent["CP-2001"][:4] == answers and csms.sent["CP-2001"][4] == call
    assert [json.loads(a)[1] for a in answers] == ["m-1", "m-2", "m-3", "m-4"]
    assert result.configuration_key[0]["value"] == "300"


async def test_201_frames_pass_both_ways_byte_for_byte(relay: Bridge, csms: OperatorCSMS) -> None:
    from ocpp.v201 import call as c201

    frames = ['[2,"b-1","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"W\u00e4ll",'
              '"vendorName":"ACME"}}]',
              '[2, "b-2", "StatusNotification", {"timestamp": "2026-01-01T00:00:00Z", "connectorStatus": '
              '"Available", "evseId": 1, "connectorId": 1}]']
    async with connect(f"{relay.url}/CP-2001", subprotocols=["ocpp2.0.1"]) as charger:  # type: ignore[list-item]
        for frame in frames:
            await charger.send(frame)
        answers = await _recv_until(charger, 2)
        command = asyncio.ensure_future(csms.send("CP-2001", c201.GetVariables(
            get_variable_data=[{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}])))
        [call] = await _recv_until(charger, 1)
        reply = (f'[3,"{json.loads(call)[1]}",{{"getVariableResult":[{{"attributeStatus":"Accepted",'
                 f'"attributeValue":"300","component":{{"name":"OCPPCommCtrlr"}},'
                 f'"variable":{{"name":"HeartbeatInterval"}}}}]}}]')
        await charger.send(reply)
        result = await asyncio.wait_for(command, 5)
    assert csms.received["CP-2001"] == frames + [reply]
    assert csms.sent["CP-2001"] == answers + [call]
    assert result.get_variable_result[0]["attribute_value"] == "300"


@pytest.mark.parametrize("offered,served,expected", [
    (["ocpp2.0.1", "ocpp1.6"], ("ocpp1.6",), "ocpp1.6"),
    (["ocpp1.6", "ocpp2.0.1"], ("ocpp2.0.1",), "ocpp2.0.1"),
])
async def test_the_charger_gets_the_subprotocol_the_csms_chose(fleet_runtime: Runtime, offered: list[str],
                                                                served: tuple[str, ...], expected: str) -> None:
    central = await OperatorCSMS(subprotocols=served).start()
    try:
        async with Bridge(fleet_runtime, "127.0.0.1", 0, 0, options=TEST_OPTIONS,
                          relay=RelayConfig(upstream=central.url)) as node:
            async with connect(f"{node.url}/CP-2001", subprotocols=offered) as charger:  # type: ignore[arg-type]
                await central.wait_for(lambda: "CP-2001" in central.points)
                assert charger.subprotocol == expected
                assert central.points["CP-2001"]._connection.subprotocol == expected
    finally:
        await central.stop()


async def test_the_csms_refusal_is_answered_to_the_charger_as_is(relay: Bridge, csms: OperatorCSMS) -> None:
    csms.unknown.add("CP-GONE")
    with pytest.raises(InvalidStatus) as wrong:
        await connect(f"{relay.url}/CP-1042", subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                      additional_headers=basic("CP-1042", "wrong"))
    with pytest.raises(InvalidStatus) as unknown:
        await connect(f"{relay.url}/CP-GONE", subprotocols=["ocpp1.6"])  # type: ignore[list-item]
    assert wrong.value.response.status_code == 401
    assert wrong.value.response.headers["WWW-Authenticate"] == 'Basic realm="csms"'
    assert wrong.value.response.body == b"bad credentials\n"
    assert unknown.value.response.status_code == 404
    assert csms.points == {}


async def test_credentials_pass_through_and_unlisted_chargers_are_relayed(relay: Bridge, csms: OperatorCSMS) -> None:
    async with connect(f"{relay.url}/CP-1042", subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                       additional_headers=basic("CP-1042", PASSWORD)):
        await csms.wait_for(lambda: "CP-1042" in csms.points)
    async with connect(f"{relay.url}/CP-NOT-IN-FLEET", subprotocols=["ocpp2.0.1"]):  # type: ignore[list-item]
        await csms.wait_for(lambda: "CP-NOT-IN-FLEET" in csms.points)
    assert csms.headers["CP-1042"]["Authorization"] == basic("CP-1042", PASSWORD)["Authorization"]
    assert "Authorization" not in csms.headers["CP-NOT-IN-FLEET"]


async def test_an_unreachable_csms_is_a_bad_gateway(fleet_runtime: Runtime) -> None:
    async with Bridge(fleet_runtime, "127.0.0.1", 0, 0, options=TEST_OPTIONS,
                      relay=RelayConfig(upstream="ws://127.0.0.1:9/ocpp")) as node:
        with pytest.raises(InvalidStatus) as refused:
            await connect(f"{node.url}/CP-2001", subprotocols=["ocpp1.6"])  # type: ignore[list-item]
    assert refused.value.response.status_code == 502


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "csms.pem", folder / "csms.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


async def test_per_charger_upstream_over_wss_with_the_operators_ca_and_configured_password(
        fleet_runtime: Runtime, tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    central = OperatorCSMS(passwords={"CP-TLS": "upstream-secret-0001"})
    from websockets.asyncio.server import serve

    async with serve(central.handler, "127.0.0.1", 0, subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                     process_request=central.process_request, ssl=context) as server:
        port = server.sockets[0].getsockname()[1]
        import_fleet(fleet_runtime.sessions, _fleet_with(f"wss://127.0.0.1:{port}/ocpp"))
        async with Bridge(fleet_runtime, "127.0.0.1", 0, 0, options=TEST_OPTIONS,
                          relay=RelayConfig(upstream="ws://127.0.0.1:9/unused", ca_file=cert)) as node:
            with pytest.raises(InvalidStatus) as refused:
                await connect(f"{node.url}/CP-TLS", subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                              additional_headers=basic("CP-TLS", "wrong"))
            async with connect(f"{node.url}/CP-TLS", subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                               additional_headers=basic("CP-TLS", "charger-own-password")) as charger:
                await charger.send('[2,"b1","Heartbeat",{}]')
                answer = json.loads(await asyncio.wait_for(charger.recv(), 5))
    assert refused.value.response.status_code == 401  # the relay checks the charger's own password first
    assert answer[:2] == [3, "b1"] and "currentTime" in answer[2]
    assert central.headers["CP-TLS"]["Authorization"] == basic("CP-TLS", "upstream-secret-0001")["Authorization"]


def _fleet_with(upstream: str):  # type: ignore[no-untyped-def]
    from bot.fleet.loader import FleetFile, SiteSpec

    return FleetFile(sites=(SiteSpec("s", "S", "street"),), chargers=(
        ChargerSpec("CP-TLS", "s", "TLS", "charger-own-password", (ConnectorSpec(1, "CCS2", 50.0),),
                    UpstreamSpec(upstream, "upstream-secret-0001")),))


async def test_malformed_and_binary_frames_from_the_csms_reach_the_charger_unchanged(fleet_runtime: Runtime) -> None:
    from websockets.asyncio.server import serve

    frames: list[str | bytes] = ['[2,"x"', '{"a": 1}', b"\x00\x01 binary", '[3,"no-such-call",{}]',
                                 '[2, "c1", "Reset", {"type": "Soft"}]']
    answers: list[str | bytes] = []

    async def operator(ws) -> None:  # type: ignore[no-untyped-def]
        for frame in frames:
            await ws.send(frame)
        answers.append(await ws.recv())
        await ws.wait_closed()

    async with serve(operator, "127.0.0.1", 0, subprotocols=["ocpp2.0.1"]) as server:  # type: ignore[list-item]
        upstream = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/ocpp"
        async with Bridge(fleet_runtime, "127.0.0.1", 0, 0, options=TEST_OPTIONS,
                          relay=RelayConfig(upstream=upstream)) as node:
            async with connect(f"{node.url}/CP-2001", subprotocols=["ocpp2.0.1"]) as charger:  # type: ignore[list-item]
                got = [await asyncio.wait_for(charger.recv(), 5) for _ in frames]
                await charger.send('[3,"c1",{"status":"Accepted"}]')
                while not answers:
                    await asyncio.sleep(0.01)
                assert node.core.link("CP-2001") is not None  # still relaying
    assert got == frames
    assert answers == ['[3,"c1",{"status":"Accepted"}]']
