"""`chargeline agents ...`: the accounts that log in to the agent console."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import click
from sqlalchemy.orm import Session

from bot.cli.common import fail, settings_or_exit
from handoff.console.models import ROLES

T = TypeVar("T")


@contextmanager
def database() -> Iterator[Session]:
    """A transaction on the configured database (migrated first in embedded mode)."""
    from bot.errors import ChargeLineError
    from bot.runtime import start_runtime

    try:
        runtime = start_runtime(settings_or_exit(), announce=False)
    except ChargeLineError as exc:
        fail(str(exc))
    try:
        with runtime.sessions() as session, session.begin():
            yield session
    finally:
        runtime.close()


def _run(work: Callable[[Session], T]) -> T:
    """Run `work` in a transaction; an AgentError becomes one line on stderr and exit status 2."""
    from handoff.console.agents import AgentError

    try:
        with database() as session:
            return work(session)
    except AgentError as exc:
        fail(str(exc))


def _read_password(stdin: bool) -> str:
    """The new password from stdin (first line) or typed twice at a hidden prompt."""
    from handoff.console.agents import AgentError, check_password

    if stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    try:
        check_password(password)
    except AgentError as exc:
        fail(str(exc))
    return password


@click.group("agents")
def agents_group() -> None:
    """Manage the agent console's logins."""


@agents_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES),
              help="tier1, tier2 or field see their tier's tickets; ops sees every ticket.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def add_command(name: str, role: str, password_stdin: bool) -> None:
    """Create agent NAME with a role; the password is asked twice (or read with --password-stdin)."""
    from handoff.console.agents import AgentError, add_agent, check_name

    try:
        name = check_name(name)  # before asking for a password
    except AgentError as exc:
        fail(str(exc))
    password = _read_password(password_stdin)
    agent = _run(lambda s: add_agent(s, name, role, password))
    click.echo(f"added agent {agent.name} ({agent.role})")


@agents_group.command("list")
def list_command() -> None:
    """Show every agent: name, role, active or disabled, created."""
    from handoff.console.agents import list_agents

    rows = _run(lambda s: [(a.name, a.role, "active" if a.active else "disabled", a.created_at)
                           for a in list_agents(s)])
    if not rows:
        click.echo("no agents yet; add one with `chargeline agents add NAME --role tier1`")
        return
    width = max(len(r[0]) for r in rows)
    for name, role, state, created in rows:
        click.echo(f"{name:<{width}}  {role:<5}  {state:<8}  created {created:%Y-%m-%d %H:%M}")


@agents_group.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def passwd_command(name: str, password_stdin: bool) -> None:
    """Set a new password for agent NAME (their open console sessions end)."""
    from handoff.console.agents import require_agent, set_password

    _run(lambda s: require_agent(s, name))
    password = _read_password(password_stdin)
    agent = _run(lambda s: set_password(s, name, password))
    click.echo(f"changed the password of {agent.name}")


@agents_group.command("disable")
@click.argument("name")
def disable_command(name: str) -> None:
    """Stop agent NAME from logging in (their open console sessions end)."""
    from handoff.console.agents import disable_agent

    agent = _run(lambda s: disable_agent(s, name))
    click.echo(f"disabled agent {agent.name}")


def register(group: click.Group) -> None:
    """Add `agents` to the chargeline command."""
    group.add_command(agents_group)
