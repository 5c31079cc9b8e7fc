"""kill -9 of a real `chargeline bridge` process mid-command: the command is on record, reported Unknown, and its
chargers go offline (and get a ticket) once the node's lease lapses; a restarted node takes them back."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from websockets.asyncio.client import connect

from bot.db import make_engine, make_session_factory
from handoff.offline import sweep_offline
from handoff.rules import load_rules
from ocpp_bridge.client import BridgeClient
from ocpp_bridge.models import BridgeNode, ChargerState, CommandAudit
from ocpp_bridge.state import charger_snapshot
from tests.ocpp_bridge.test_cli import free_port, start

pytestmark = pytest.mark.slow


async def listening(proc) -> None:  # type: ignore[no-untyped-def]
    line = ""
    while not line.startswith("bridge listening"):
        line = await asyncio.to_thread(proc.stderr.readline)
        assert line, "the bridge exited before listening"


async def boot(ws) -> None:  # type: ignore[no-untyped-def]
    await ws.send(json.dumps([2, "b1", "BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "X"}]))
    assert json.loads(await ws.recv())[1] == "b1"


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def test_a_killed_bridge_leaves_an_unknown_command_and_offline_chargers_not_a_lie(tmp_path: Path) -> None:
    port, control = free_port(), free_port()
    env = {"CHARGELINE_OCPP_PORT": str(port), "CHARGELINE_BRIDGE_PORT": str(control)}
    proc = start(env, tmp_path)
    engine = None
    try:
        await listening(proc)
        engine = make_engine(f"sqlite:///{tmp_path / 'cl.db'}")
        sessions = make_session_factory(engine)
        client = BridgeClient(f"http://127.0.0.1:{control}", "t", timeout=30, sessions=sessions)
        async with connect(f"ws://127.0.0.1:{port}/ocpp/CP-2001", subprotocols=["ocpp1.6"]) as ws:
            await boot(ws)
            reset = asyncio.create_task(asyncio.to_thread(client.command, "CP-2001", "Reset", requested_by="api"))
            assert json.loads(await ws.recv())[2] == "Reset"  # the charger has it: it may well reboot now
            proc.kill()
            proc.wait(timeout=15)
            result = await reset
        assert (result.status, result.verified) == ("Unknown", None)
        assert result.detail is not None and "may have executed it" in result.detail
        with sessions() as session:
            row = session.get(CommandAudit, result.audit_id)
            assert row is not None and (row.action, row.status, row.command_id) == ("Reset", "Pending",
                                                                                   result.command_id)
            lease = session.get(BridgeNode, "local")
            assert lease is not None
            died = aware(lease.expires_at)
            assert charger_snapshot(session, "CP-2001", now=died - timedelta(seconds=1))["online"] is True
            assert charger_snapshot(session, "CP-2001", now=died)["online"] is False

        rules = load_rules(None)
        with sessions.begin() as session:
            assert sweep_offline(session, died, rules) == []  # offline now, a ticket once the rule's time is up
        with sessions.begin() as session:
            refs = sweep_offline(session, died + timedelta(minutes=31), rules)
        with sessions() as session:
            state = session.get(ChargerState, "CP-2001")
            assert state is not None and state.online is False
            assert session.scalars(select(CommandAudit.status)).all() == ["Unknown"]
        assert [(r.tier, r.created) for r in refs] == [("tier2", True)]

        proc.stderr.close()
        proc = start(env, tmp_path)  # the node comes back; its chargers reconnect to it
        await listening(proc)
        async with connect(f"ws://127.0.0.1:{port}/ocpp/CP-2001", subprotocols=["ocpp1.6"]) as ws:
            await boot(ws)
            with sessions() as session:
                snap = charger_snapshot(session, "CP-2001")
                assert snap is not None and snap["online"] is True
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
        if engine is not None:
            engine.dispose()
