"""`chargeline agents ...` through click's runner, on the test database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import _register
from bot.cli.common import main_group
from bot.runtime import Runtime
from handoff.console.agents import authenticate, find_agent


@pytest.fixture
def run(runtime: Runtime):  # type: ignore[no-untyped-def]
    """Invoke `chargeline ...` with the test database in the environment."""
    _register()
    env = {"CHARGELINE_DATABASE_URL": runtime.settings.database_url, "CHARGELINE_API_TOKEN": "test-token",
           "CHARGELINE_SECRET_KEY": "test-secret-key", "CHARGELINE_DATA_DIR": str(runtime.settings.data_dir)}

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main_group, list(args), input=input, env=env)

    return invoke


def test_add_with_the_password_typed_twice_then_list(run, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    added = run("agents", "add", "Maria", "--role", "tier2", input="s3cret-pass\ns3cret-pass\n")
    assert added.exit_code == 0, added.output
    assert "added agent maria (tier2)" in added.output
    listed = run("agents", "list")
    assert listed.exit_code == 0
    assert listed.output.startswith("maria  tier2  active")
    with runtime.sessions() as session:
        agent = find_agent(session, "maria")
        assert agent is not None and agent.password_hash.startswith("scrypt:")
        assert authenticate(session, "maria", "s3cret-pass").agent is not None


def test_add_refuses_taken_names_bad_roles_short_passwords(run) -> None:  # type: ignore[no-untyped-def]
    assert run("agents", "add", "maria", "--role", "tier1", "--password-stdin", input="long-enough\n").exit_code == 0
    taken = run("agents", "add", "MARIA", "--role", "tier1", "--password-stdin", input="long-enough\n")
    assert taken.exit_code == 2 and "error: an agent named 'maria' already exists" in taken.output
    role = run("agents", "add", "x", "--role", "boss", "--password-stdin", input="long-enough\n")
    assert role.exit_code == 2 and "'boss' is not one of" in role.output
    short = run("agents", "add", "y", "--role", "tier1", "--password-stdin", input="short\n")
    assert short.exit_code == 2 and "at least 8 characters" in short.output
    name = run("agents", "add", "no spaces", "--role", "tier1", "--password-stdin", input="long-enough\n")
    assert name.exit_code == 2 and "must be 1-64 characters" in name.output
    mismatch = run("agents", "add", "z", "--role", "tier1", input="long-enough\nother-words\nlong-enough\n"
                                                                 "long-enough\n")
    assert mismatch.exit_code == 0 and "do not match" in mismatch.output.lower()


def test_passwd_and_disable(run, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    run("agents", "add", "maria", "--role", "field", "--password-stdin", input="first-pass\n")
    changed = run("agents", "passwd", "maria", "--password-stdin", input="second-pass\n")
    assert changed.exit_code == 0 and "changed the password of maria" in changed.output
    disabled = run("agents", "disable", "maria")
    assert disabled.exit_code == 0 and "disabled agent maria" in disabled.output
    assert "maria  field  disabled" in run("agents", "list").output
    with runtime.sessions() as session:
        assert authenticate(session, "maria", "second-pass").agent is None
    unknown = run("agents", "disable", "nobody")
    assert unknown.exit_code == 2 and "error: no agent named 'nobody'" in unknown.output
    assert run("agents", "passwd", "nobody", "--password-stdin", input="whatever-1\n").exit_code == 2


def test_every_agents_command_has_help(run) -> None:  # type: ignore[no-untyped-def]
    for command in ("add", "list", "passwd", "disable"):
        result = run("agents", command, "--help")
        assert result.exit_code == 0 and "Usage: " in result.output, command
    assert run("agents", "list").output.startswith("no agents yet")
