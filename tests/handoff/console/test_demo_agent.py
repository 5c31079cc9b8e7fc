"""`chargeline demo` prints a console login that works, and a second run resets its password."""

from __future__ import annotations

from flask import Flask

from bot.demo.agent import ensure_demo_agent
from bot.runtime import Runtime

from .conftest import login


def test_the_demo_agent_logs_in_and_a_second_run_changes_its_password(app: Flask, agents: Runtime) -> None:
    first, note = ensure_demo_agent(agents)
    assert first is not None and note == ""
    name, password = first
    assert name == "demo" and len(password) >= 12
    client = app.test_client()
    assert login(client, name, password).status_code == 302
    assert "demo (ops)" in client.get("/agent").text
    second, _ = ensure_demo_agent(agents)
    assert second is not None and second[1] != password
    assert client.get("/agent").status_code == 302  # the old session ended with the old password
    assert login(app.test_client(), name, password).status_code == 401
    assert login(app.test_client(), name, second[1]).status_code == 302
