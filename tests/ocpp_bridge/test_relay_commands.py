"""Relay mode with the simulator as chargers: live state read from passing frames, injected commands kept from the CSMS."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from ocpp.v16 import call as c16
from sqlalchemy import select
from websockets.asyncio.client import connect

from bot.errors import ChargerUnreachable
from ocpp_bridge.models import CommandAudit
from ocpp_bridge.relay_link import ID_PREFIX
from ocpp_bridge.server import Bridge
from ocpp_bridge.simulator import SimulatedFleet
from ocpp_bridge.state import charger_snapshot
from tests.ocpp_bridge.simulator.test_fleet import FLEET
from tests.ocpp_bridge.upstream import OperatorCSMS

PROTOCOLS = pytest.mark.parametrize("protocol", ["1.6", "2.0.1"])


@pytest.fixture
async def fleet(relay: Bridge, request: pytest.FixtureRequest) -> AsyncIterator[SimulatedFleet]:
    """The small fleet connected through the relay, CP-1042 faulted until it is reset."""
    protocol = request.node.callspec.params.get("protocol", "1.6")
    scenario = {"CP-1042": {"behaviour": "faulted_until_reset", "error_code": "GroundFailure"}}
    async with SimulatedFleet(relay.url, FLEET, scenario, protocol=protocol, reboot_delay=0.01) as simulated:
        yield simulated


def snapshot(relay: Bridge, charger_id: str) -> dict[str, Any]:
    with relay.runtime.sessions() as session:
        snap = charger_snapshot(session, charger_id)
    assert snap is not None
    return snap


async def settled(relay: Bridge, charger_id: str, ready: Any) -> dict[str, Any]:
    """The snapshot once ready(snapshot) holds: reports are recorded just after they pass, not before."""
    async def loop() -> dict[str, Any]:
        while not ready(snap := snapshot(relay, charger_id)):
            await relay.core.flush()
            await asyncio.sleep(0.01)
        return snap
    return await asyncio.wait_for(loop(), 5)


async def wait_pending_audit(relay: Bridge) -> None:
    """Until the command's write-ahead audit row is committed (it is written just before the command is sent)."""
    async def loop() -> None:
        while True:
            with relay.runtime.sessions() as session:
                if session.scalars(select(CommandAudit).where(CommandAudit.status == "Pending")).first():
                    return
            await asyncio.sleep(0.01)
    await asyncio.wait_for(loop(), 5)


def ids_seen_upstream(csms: OperatorCSMS, charger_id: str) -> list[str]:
    return [json.loads(raw)[1] for raw in csms.received.get(charger_id, [])]


@PROTOCOLS
async def test_a_verified_reset_through_the_relay_the_csms_sees_its_consequences_not_the_command(
        relay: Bridge, csms: OperatorCSMS, fleet: SimulatedFleet, protocol: str) -> None:
    cp = fleet["CP-1042"]
    before = await settled(relay, "CP-1042", lambda s: s["connectors"][0]["status"] == "Faulted")
    boots = csms.actions("CP-1042").count("BootNotification")
    result = await relay.service.run("CP-1042", "Reset", {"type": "Soft"}, requested_by="api")
    await cp.wait_status(1, "Available")
    await csms.wait_for(lambda: csms.actions("CP-1042").count("BootNotification") == boots + 1)
    after = await settled(relay, "CP-1042", lambda s: s["connectors"][0]["status"] == "Available")
    assert (before["online"], before["protocol"]) == (True, f"ocpp{protocol}")
    assert before["connectors"][0]["status"] == "Faulted"
    assert result["status"] == "Accepted" and result["verified"] is True
    assert after["connectors"][0]["status"] == "Available"
    assert [(r.action, r.response) for r in cp.received] == [("Reset", "Accepted")]
    sent = " ".join(csms.sent.get("CP-1042", []))
    assert "Reset" not in sent and ID_PREFIX not in sent  # the CSMS never sent it ...
    assert not any(i.startswith(ID_PREFIX) for i in ids_seen_upstream(csms, "CP-1042"))  # ... nor saw its answer
    with relay.runtime.sessions() as session:
        [row] = session.scalars(select(CommandAudit)).all()
    assert (row.action, row.status, row.verified) == ("Reset", "Accepted", True)


@PROTOCOLS
async def test_sessions_are_read_with_the_csms_verdict_and_transaction_id(relay: Bridge, csms: OperatorCSMS,
                                                                          fleet: SimulatedFleet,
                                                                          protocol: str) -> None:
    cp = fleet["CP-2001"]
    await cp.plug_in(1)
    assert await cp.present_card("0BADCAFE01", 1) == "Blocked"  # the CSMS's verdict, recorded as a failed attempt
    assert await cp.present_card("04A2B3C4D5", 1) == "Accepted"
    await cp.wait_status(1, "Charging")
    await cp.stop_session(1, "Local")
    await cp.start_session(1, "04A2B3C4D5")
    snap = await settled(relay, "CP-2001", lambda s: len(s["recent_sessions"]) == 3 and s["active_transaction"])
    active, done, refused = snap["active_transaction"], snap["recent_sessions"][1], snap["recent_sessions"][2]
    assert active is not None and active["id_tag"] == "04******D5"
    assert (done["outcome"], done["reason"], done["transaction_id"]) != ("active", None, None)
    assert (refused["outcome"], refused["reason"]) == ("rejected", "authorization Blocked")
    if protocol == "1.6":  # the CSMS numbered them (from 100), not us
        assert int(active["transaction_id"]) >= 100 and int(done["transaction_id"]) >= 100


async def test_a_command_waits_for_the_csms_call_the_charger_is_answering(relay: Bridge, csms: OperatorCSMS) -> None:
    async with connect(f"{relay.url}/CP-2001", subprotocols=["ocpp1.6"]) as charger:  # type: ignore[list-item]
        await csms.wait_for(lambda: "CP-2001" in csms.points)
        theirs = asyncio.ensure_future(csms.send("CP-2001", c16.GetConfiguration(key=["A"])))
        first = json.loads(await asyncio.wait_for(charger.recv(), 5))
        ours = asyncio.ensure_future(relay.service.run("CP-2001", "ClearCache", {}, requested_by="api"))
        await wait_pending_audit(relay)  # the command is about to be sent: it must wait its turn instead
        nothing = asyncio.ensure_future(charger.recv())
        assert not (await asyncio.wait([nothing], timeout=0.3))[0]
        await charger.send(json.dumps([3, first[1], {"configurationKey": [], "unknownKey": ["A"]}]))
        second = json.loads(await asyncio.wait_for(nothing, 5))
        # while ours is outstanding, a second CALL of the CSMS waits for its answer
        again = asyncio.ensure_future(csms.send("CP-2001", c16.GetConfiguration(key=["B"])))
        nothing = asyncio.ensure_future(charger.recv())
        await csms.wait_for(lambda: len(csms.sent["CP-2001"]) == 2)  # the CSMS sent it; the relay holds it
        assert not (await asyncio.wait([nothing], timeout=0.3))[0]
        await charger.send(json.dumps([3, second[1], {"status": "Accepted"}]))
        third = json.loads(await asyncio.wait_for(nothing, 5))
        await charger.send(json.dumps([3, third[1], {"configurationKey": [], "unknownKey": ["B"]}]))
        results = await asyncio.wait_for(asyncio.gather(theirs, ours, again), 5)
    assert [first[2], second[2], third[2]] == ["GetConfiguration", "ClearCache", "GetConfiguration"]
    assert second[1].startswith(ID_PREFIX) and not first[1].startswith(ID_PREFIX)
    assert results[0].unknown_key == ["A"] and results[2].unknown_key == ["B"]
    assert results[1]["status"] == "Accepted"
    assert not any(i.startswith(ID_PREFIX) for i in ids_seen_upstream(csms, "CP-2001"))


async def test_a_command_kept_waiting_past_the_bound_is_not_sent_and_audited(relay: Bridge,
                                                                             csms: OperatorCSMS) -> None:
    async with connect(f"{relay.url}/CP-2001", subprotocols=["ocpp1.6"]) as charger:  # type: ignore[list-item]
        await csms.wait_for(lambda: "CP-2001" in csms.points)
        theirs = asyncio.ensure_future(csms.send("CP-2001", c16.GetConfiguration(key=["A"])))
        await asyncio.wait_for(charger.recv(), 5)  # the charger never answers the CSMS
        with pytest.raises(ChargerUnreachable, match="busy answering its CSMS"):
            await relay.service.run("CP-2001", "ClearCache", {}, requested_by="api")
        theirs.cancel()
    with relay.runtime.sessions() as session:
        [row] = session.scalars(select(CommandAudit)).all()
    assert row.status == "NotSent" and "busy answering its CSMS" in row.detail
