"""`chargeline demo` prints a console login that works, and keeps it from one run to the next."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from bot.demo.agent import ensure_demo_agent
from bot.runtime import Runtime

from .conftest import login


def test_the_demo_agent_logs_in_and_keeps_its_password_and_session_across_runs(app: Flask, agents: Runtime,
                                                                                tmp_path: Path) -> None:
    first, note = ensure_demo_agent(agents, tmp_path)
    assert first is not None and note == ""
    name, password = first
    assert name == "demo" and len(password) >= 12
    client = app.test_client()
    assert login(client, name, password).status_code == 302
    assert "demo (ops)" in client.get("/agent").text
    second, _ = ensure_demo_agent(agents, tmp_path)
    assert second == first
    assert client.get("/agent").status_code == 200  # the open console tab stays logged in


def test_a_demo_folder_whose_password_file_was_removed_gets_a_new_password_and_old_sessions_end(
        app: Flask, agents: Runtime, tmp_path: Path) -> None:
    first, _ = ensure_demo_agent(agents, tmp_path)
    assert first is not None
    client = app.test_client()
    assert login(client, *first).status_code == 302
    for stored in tmp_path.iterdir():
        stored.unlink()
    second, _ = ensure_demo_agent(agents, tmp_path)
    assert second is not None and second[1] != first[1]
    assert client.get("/agent").status_code == 302  # the old session ended with the old password
    assert login(app.test_client(), *first).status_code == 401
    assert login(app.test_client(), *second).status_code == 302
