"""The web API and the Python client against a real bridge on a real port."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from websockets.asyncio.client import connect
from werkzeug.serving import make_server

from bot.errors import ChargerUnreachable, PolicyRefused, UnknownCharger
from bot.runtime import Runtime
from bot.web import create_app
from ocpp_bridge.client import BridgeClient, CommandResult
from ocpp_bridge.models import CommandAudit
from ocpp_bridge.server import Bridge
from tests.ocpp_bridge.chargers import Charger16, connected
from tests.ocpp_bridge.conftest import PASSWORD

AUTH = {"Authorization": "Bearer test-token"}


@pytest.fixture
def web(fleet_runtime, bridge: Bridge) -> Iterator[str]:
    """The Flask app on a real port; its bridge client is built from settings pointing at the test bridge."""
    settings = fleet_runtime.settings.replace(bridge_url=bridge.control_url)
    runtime = Runtime(settings, fleet_runtime.engine, fleet_runtime.sessions, fleet_runtime.api_token,
                      fleet_runtime.secret_key)
    app = create_app(runtime=runtime)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def http(method: str, url: str, **kwargs: Any):  # type: ignore[no-untyped-def]
    import requests

    return requests.request(method, url, timeout=30, **kwargs)


async def call(method: str, url: str, **kwargs: Any):  # type: ignore[no-untyped-def]
    return await asyncio.to_thread(http, method, url, **kwargs)


async def test_the_client_runs_a_command_and_maps_refusals(bridge: Bridge) -> None:
    client = BridgeClient(bridge.control_url, "test-token", timeout=20)
    async with connected(Charger16, bridge.url, "CP-1042", "ocpp1.6", PASSWORD) as cp:
        await cp.status(1, "Faulted", error="OtherError")
        result = await asyncio.to_thread(client.command, "CP-1042", "Reset", {"type": "Soft"},
                                         requested_by="bot:c-7")
        assert isinstance(result, CommandResult) and result.verified is True
        assert result.to_dict() == {"status": "Accepted", "verified": True, "observed": result.observed,
                                    "audit_id": result.audit_id, "answer": {"status": "Accepted"},
                                    "command_id": result.command_id}
        with pytest.raises(PolicyRefused, match="Hard is not approved"):
            await asyncio.to_thread(client.command, "CP-1042", "Reset", {"type": "Hard"}, requested_by="bot:c-8")
    with pytest.raises(UnknownCharger):
        await asyncio.to_thread(client.command, "CP-0000", "Reset", requested_by="api")
    with pytest.raises(ChargerUnreachable, match="rejected the API token"):
        await asyncio.to_thread(BridgeClient(bridge.control_url, "wrong").command, "CP-1042", "Reset",
                                requested_by="api")


def test_a_client_with_no_bridge_behind_it_raises_unreachable() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ChargerUnreachable, match="cannot be reached"):
        BridgeClient(f"http://127.0.0.1:{port}", "t", timeout=2).command("CP-1", "Reset", requested_by="api")


async def test_the_web_api_reads_state_and_runs_commands(bridge: Bridge, web: str) -> None:
    assert (await call("GET", f"{web}/api/chargers/CP-1042")).status_code == 401
    assert (await call("GET", f"{web}/api/chargers/CP-0000", headers=AUTH)).status_code == 404
    offline = await call("POST", f"{web}/api/chargers/CP-1042/commands", headers=AUTH,
                         json={"action": "Reset", "params": {"type": "Soft"}})
    assert offline.status_code == 503 and "not connected" in offline.json()["detail"]
    async with connected(Charger16, bridge.url, "CP-1042", "ocpp1.6", PASSWORD) as cp:
        await cp.boot()
        await cp.status(2, "Available")
        state = (await call("GET", f"{web}/api/chargers/CP-1042", headers=AUTH)).json()
        assert state["online"] is True and state["connectors"][1]["status"] == "Available"
        done = await call("POST", f"{web}/api/chargers/CP-1042/commands", headers=AUTH,
                          json={"action": "UnlockConnector", "params": {"connector_id": 2}, "verify": True})
        assert done.status_code == 200
        assert done.json()["status"] == "Unlocked" and done.json()["verified"] is True
        refused = await call("POST", f"{web}/api/chargers/CP-1042/commands", headers=AUTH,
                             json={"action": "Reset", "params": {"type": "Soft"}, "requested_by": "bot:c-1"})
        assert refused.status_code == 409 and "only approved when" in refused.json()["reason"]
        bad = await call("POST", f"{web}/api/chargers/CP-1042/commands", headers=AUTH, data="nope")
        assert bad.status_code == 400
        unknown = await call("POST", f"{web}/api/chargers/CP-1042/commands", headers=AUTH,
                             json={"action": "BlowUp"})
        assert unknown.status_code == 400 and "unsupported action" in unknown.json()["detail"]


async def test_the_api_audits_the_token_holder_and_keeps_a_claimed_name_only_as_a_claim(bridge: Bridge,
                                                                                          web: str) -> None:
    async with connected(Charger16, bridge.url, "CP-1042", "ocpp1.6", PASSWORD) as cp:
        await cp.boot()
        done = await call("POST", f"{web}/api/chargers/CP-1042/commands", headers=AUTH,
                          json={"action": "UnlockConnector", "params": {"connector_id": 1},
                                "requested_by": "agent:olga"})
        plain = await call("POST", f"{web}/api/chargers/CP-1042/commands", headers=AUTH,
                           json={"action": "UnlockConnector", "params": {"connector_id": 2}})
    assert (done.status_code, plain.status_code) == (200, 200)
    with bridge.runtime.sessions() as session:
        rows = list(session.scalars(select(CommandAudit).order_by(CommandAudit.id)))
    assert [(r.id, r.requested_by, r.claimed_by, r.command_id) for r in rows] == [
        (done.json()["audit_id"], "api", "agent:olga", done.json()["command_id"]),
        (plain.json()["audit_id"], "api", None, plain.json()["command_id"])]


async def test_a_command_whose_answer_is_lost_is_reported_as_unknown_not_as_unsent(bridge: Bridge, web: str) -> None:
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"]) as ws:
        for _ in range(200):
            if bridge.core.link("CP-2001"):
                break
            await asyncio.sleep(0.01)
        answer = asyncio.create_task(call("POST", f"{web}/api/chargers/CP-2001/commands", headers=AUTH,
                                          json={"action": "Reset", "params": {"type": "Hard"}}))
        assert json.loads(await ws.recv())[2] == "Reset"
    response = await answer  # the charger took the Reset and went away without answering
    body = response.json()
    assert response.status_code == 502
    assert (body["error"], body["status"], body["verified"]) == ("unknown", "Unknown", None)
    assert "may have executed it" in body["detail"]
    with bridge.runtime.sessions() as session:
        row = session.get(CommandAudit, body["audit_id"])
        assert row is not None and (row.status, row.requested_by, row.command_id) == ("Unknown", "api",
                                                                                      body["command_id"])
