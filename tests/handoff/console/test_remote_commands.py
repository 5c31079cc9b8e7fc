"""Remote commands from a ticket page go through the real bridge to a simulated charger, audited as the agent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from bot.config import Settings
from bot.runtime import Runtime, start_runtime
from bot.web import create_app
from handoff.console.agents import add_agent
from handoff.tickets import get_ticket
from ocpp_bridge.client import BridgeClient
from ocpp_bridge.models import CommandAudit
from tests.bot.conversation.live import FLEET, LiveStack

from .conftest import PASSWORD, logged_in, make_ticket, page_token


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Runtime, Flask]]:
    """A fleet database with agents, the real bridge and simulated chargers, and the web app wired to them."""
    runtime = start_runtime(Settings(database_url=f"sqlite:///{tmp_path / 'cl.db'}", data_dir=tmp_path / "data",
                                     api_token="test-token", secret_key="test-secret-key", fleet_file=FLEET),
                            announce=False)
    with runtime.sessions() as session, session.begin():
        add_agent(session, "theo", "tier2", PASSWORD)
        add_agent(session, "tina", "tier1", PASSWORD)
    stack = LiveStack(runtime, {}, None).start()
    try:
        app = create_app(runtime=runtime, bridge=BridgeClient(stack.bridge.control_url, runtime.api_token, 30))
        yield runtime, app
    finally:
        stack.stop()
        runtime.close()


def test_a_tier2_agent_asks_the_charger_for_status_and_the_bridge_audits_their_name(live) -> None:  # type: ignore[no-untyped-def]
    runtime, app = live
    ticket = make_ticket(runtime, charger_id="CP-1042", tier="tier2", priority="P2")
    theo = logged_in(app, "theo")
    page = theo.get(f"/agent/tickets/{ticket}")
    assert "Remote commands" in page.text and "Soft reset" in page.text
    response = theo.post(f"/agent/tickets/{ticket}/commands",
                         data={"command": "trigger_status", "csrf_token": page_token(theo)})
    assert response.status_code == 302
    after = theo.get(response.headers["Location"]).text
    assert "Ask for status: Accepted" in after
    with runtime.sessions() as session:
        audit = session.scalars(select(CommandAudit).where(CommandAudit.charger_id == "CP-1042")).all()
        assert [(a.action, a.requested_by, a.status) for a in audit] == \
            [("TriggerMessage", "agent:theo", "Accepted")]
        stored = get_ticket(session, ticket)
        assert stored is not None
        assert stored.actions[-1]["action"] == "TriggerMessage" and stored.actions[-1]["by"] == "agent:theo"
        assert stored.actions[-1]["result"] == "Accepted"


def test_a_tier1_agent_has_no_command_buttons_and_is_refused(live) -> None:  # type: ignore[no-untyped-def]
    runtime, app = live
    ticket = make_ticket(runtime, charger_id="CP-1042", tier="tier1")
    tina = logged_in(app, "tina")
    assert "Remote commands" not in tina.get(f"/agent/tickets/{ticket}").text
    response = tina.post(f"/agent/tickets/{ticket}/commands",
                         data={"command": "soft_reset", "csrf_token": page_token(tina)})
    assert response.status_code == 403
    with runtime.sessions() as session:
        assert session.scalars(select(CommandAudit)).all() == []


def test_an_unknown_command_is_a_400(live) -> None:  # type: ignore[no-untyped-def]
    runtime, app = live
    ticket = make_ticket(runtime, charger_id="CP-1042", tier="tier2")
    theo = logged_in(app, "theo")
    response = theo.post(f"/agent/tickets/{ticket}/commands",
                         data={"command": "hard_reset", "csrf_token": page_token(theo)})
    assert response.status_code == 400 and "Choose one of" in response.text
