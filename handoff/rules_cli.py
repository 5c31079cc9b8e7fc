"""`chargeline rules check FILE | explain TICKET_ID`: validate an escalation rules file; say why a ticket went where."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from bot.cli.common import fail
from handoff.rules import TurnFacts


@click.group("rules")
def rules_group() -> None:
    """Check the escalation rules file and explain where tickets went."""


@rules_group.command("check")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
def check_command(path: Path) -> None:
    """Validate rules file PATH: every problem with its line (exit 1), or a short summary (exit 0)."""
    from handoff.rules import RulesFileError, load_rules

    try:
        rules = load_rules(path)
    except RulesFileError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        click.echo(f"{path}: {len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}", err=True)
        sys.exit(1)
    click.echo(summary(rules))


def summary(rules: Any) -> str:
    """A few lines on a valid ruleset: how many rules, where they send tickets, the catch-all, the SLAs."""
    conditional = [r for r in rules.rules if not r.catch_all]
    catch_all = next((r.name for r in rules.rules if r.catch_all), None)
    tiers = Counter(r.tier for r in conditional)
    lines = [
        f"{rules.source}: valid, {len(conditional)} rules"
        + (f" and the network-wide rule {rules.network.name}" if rules.network else ""),
        "by tier: " + ", ".join(f"{tier} {n}" for tier, n in sorted(tiers.items())),
        "SLA minutes: " + ", ".join(f"{p} {m}" for p, m in rules.sla.minutes.items())
        + "".join(f"; {name} {m}" for name, m in rules.sla.rule_minutes.items()),
        f"history window: {rules.history_window_minutes} minutes",
        f"catch-all: {catch_all}" if catch_all else
        "catch-all: none (a ticket no rule takes goes to tier1 P3 as 'unrouted', with a warning in the log)",
    ]
    return "\n".join(lines)


@rules_group.command("explain")
@click.argument("ticket_id")
def explain_command(ticket_id: str) -> None:
    """Print which rule routed ticket TICKET_ID (T-000123), on which facts, and what else fired."""
    from handoff.cli import database
    from handoff.tickets import get_ticket

    with database() as session:
        ticket = get_ticket(session, ticket_id)
        if ticket is None:
            fail(f"no ticket {ticket_id}")
        click.echo(explain(ticket.ref, ticket.rule, ticket.tier, ticket.priority, ticket.routing))


def explain(ref: str, rule: str | None, tier: str, priority: str, routing: dict[str, Any] | None) -> str:
    """The explanation of one ticket's routing, from what it stored when the rules judged it."""
    lines = [f"{ref}: rule {rule or 'none'} -> {tier} {priority}"]
    if not routing:
        lines.append("no routing facts stored on this ticket (opened before tickets kept them, or by hand)")
        return "\n".join(lines)
    if routing.get("rule") != rule:
        lines.append(f"(the rules first sent it as {routing.get('rule')} -> {routing.get('tier')} "
                     f"{routing.get('priority')}; it was changed since)")
    if routing.get("matched"):
        lines.append("fired on: " + "; ".join(routing["matched"]))
    if routing.get("also_fired"):
        lines.append("also fired (less urgent or later in the file): " + ", ".join(routing["also_fired"]))
    if routing.get("reason"):
        lines.append(f"reason: {routing['reason']}")
    if routing.get("next_step"):
        lines.append(f"next step: {routing['next_step']}")
    if routing.get("rules_file"):
        lines.append(f"rules file: {routing['rules_file']}")
    facts = routing.get("facts") or {}
    defaults = TurnFacts().to_json()
    held = {k: v for k, v in facts.items() if k not in defaults or v != defaults[k]}
    lines.append("facts the rules saw:")
    lines += [f"  {name}: {_show(value)}" for name, value in held.items()]
    quiet = sorted(k for k in facts if k not in held)
    if quiet:
        lines.append("  at their defaults (false, 0 or unknown): " + ", ".join(quiet))
    return "\n".join(lines)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def register(group: click.Group) -> None:
    """Add `rules` to the chargeline command."""
    group.add_command(rules_group)
