"""Fixtures for the agent console: agents of each role, tickets of each tier, a logged-in test client."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.runtime import Runtime
from bot.web import create_app
from handoff.console.agents import add_agent
from handoff.tickets import TicketDraft, open_ticket

PASSWORD = "correct-horse-9"
AGENTS = {"tina": "tier1", "theo": "tier2", "fred": "field", "olga": "ops"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def agents(fleet: Runtime) -> Runtime:
    """The fleet runtime with one agent per role (all with PASSWORD)."""
    with fleet.sessions() as session, session.begin():
        for name, role in AGENTS.items():
            add_agent(session, name, role, PASSWORD)
    return fleet


@pytest.fixture
def app(agents: Runtime) -> Flask:
    """The real web app on the test database."""
    app = create_app(runtime=agents)
    app.config["TESTING"] = True
    return app


def csrf_of(html: str) -> str:
    """The CSRF token a console page carries."""
    match = _CSRF.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1)


def login(client: FlaskClient, name: str, password: str = PASSWORD) -> Any:
    """Log in through the form as a browser would; returns the POST's response."""
    token = csrf_of(client.get("/agent/login").text)
    return client.post("/agent/login", data={"name": name, "password": password, "csrf_token": token})


def logged_in(app: Flask, name: str) -> FlaskClient:
    """A test client with `name` logged in."""
    client = app.test_client()
    response = login(client, name)
    assert response.status_code == 302, response.text
    return client


def page_token(client: FlaskClient, path: str = "/agent") -> str:
    """The CSRF token of the session, read from a page."""
    return csrf_of(client.get(path).text)


def make_ticket(runtime: Runtime, *, charger_id: str = "CP-B1", tier: str = "tier1", priority: str = "P3",
                problem: str | None = None, conversation_id: str | None = None, summary: str = "It will not start.") \
        -> str:
    """Open a ticket through the real ticket service; returns its id."""
    from handoff.clock import utcnow

    draft = TicketDraft(channel="webchat", contact="session-abc", charger_id=charger_id, tier=tier,
                        priority=priority, intent="start_failure", summary=summary,
                        problem=problem or f"{tier}-{priority}-{charger_id}", conversation_id=conversation_id,
                        suggested_next_step="Check the RFID reader.")
    with runtime.sessions() as session, session.begin():
        return open_ticket(session, draft, now=utcnow()).id
