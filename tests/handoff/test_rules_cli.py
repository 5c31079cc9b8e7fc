"""`chargeline rules check FILE` and `chargeline rules explain TICKET_ID` through click's runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from bot.cli import _register
from bot.cli.common import main_group
from bot.runtime import Runtime
from handoff.offline import sweep_offline
from handoff.rules import DEFAULT_RULES_FILE, load_rules
from handoff.tickets import TicketDraft, open_ticket
from tests.handoff.conftest import NOW
from tests.handoff.test_failures_and_offline import offline


@pytest.fixture
def run(runtime: Runtime):  # type: ignore[no-untyped-def]
    """Invoke `chargeline ...` with the test database in the environment."""
    _register()
    env = {"CHARGELINE_DATABASE_URL": runtime.settings.database_url, "CHARGELINE_API_TOKEN": "test-token",
           "CHARGELINE_SECRET_KEY": "test-secret-key", "CHARGELINE_DATA_DIR": str(runtime.settings.data_dir)}

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main_group, list(args), env=env)

    return invoke


def test_check_accepts_the_packaged_rules_with_a_short_summary(run) -> None:  # type: ignore[no-untyped-def]
    result = run("rules", "check", str(DEFAULT_RULES_FILE))
    assert result.exit_code == 0, result.output
    assert f"{DEFAULT_RULES_FILE}: valid, 18 rules and the network-wide rule network_payment_outage" in result.output
    assert "catch-all: unmatched" in result.output
    assert "SLA minutes: P1 15, P2 60, P3 240, P4 1440" in result.output


def test_check_names_the_line_of_every_problem_and_fails(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rules.yml"
    path.write_text(
        "rules:\n"
        "  - name: damage\n"
        "    when: {intent: report_damage}\n"
        "    tier: tier9\n"
        "    priority: P3\n"
        "    next_step: 'look at {colour}'\n"
        "  - name: smelly\n"
        "    when: {smell: true}\n"
        "    tier: tier1\n"
        "    priority: P1\n")
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    assert f"error: {path}:4: rule damage: tier 'tier9' is not one of" in result.output
    assert f"error: {path}:6: rule damage: next_step names unknown facts colour" in result.output
    assert f"error: {path}:8: rule smelly: unknown condition 'smell'" in result.output
    assert f"{path}: 3 problems" in result.output


def test_check_says_when_a_file_has_no_catch_all(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rules.yml"
    path.write_text("rules:\n  - name: damage\n    when: {intent: report_damage}\n    tier: tier2\n    priority: P3\n")
    result = run("rules", "check", str(path))
    assert result.exit_code == 0, result.output
    assert "catch-all: none (a ticket no rule takes goes to tier1 P3 as 'unrouted'" in result.output


def test_check_rejects_a_rule_after_the_catch_all(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rules.yml"
    path.write_text("rules:\n  - name: rest\n    catch_all: true\n    tier: tier1\n    priority: P3\n"
                    "  - name: damage\n    when: {intent: report_damage}\n    tier: tier2\n    priority: P3\n")
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    assert f"{path}:6: rule damage: comes after the catch-all rule rest, which must be the last rule" in result.output


def test_explain_prints_the_rule_that_fired_and_the_facts_it_saw(run, session: Session) -> None:  # type: ignore[no-untyped-def]
    offline(session, "CP-B1", 40)
    session.commit()
    ref = sweep_offline(session, NOW, load_rules(None))[0]
    session.commit()
    result = run("rules", "explain", ref.id)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{ref.id}: rule charger_offline -> tier2 P2"
    assert "fired on: offline_minutes_at_least: 30" in lines
    assert "reason: CP-B1 has been offline for 40 minutes." in lines
    assert "  charger_online: false" in lines
    assert "  offline_minutes: 40.0" in lines
    assert "  charger_id: CP-B1" in lines


def test_explain_says_so_for_a_ticket_without_routing_facts(run, session: Session) -> None:  # type: ignore[no-untyped-def]
    ref = open_ticket(session, TicketDraft(channel="sms", charger_id="CP-B1", rule="by_hand"), now=NOW)
    session.commit()
    result = run("rules", "explain", ref.id)
    assert result.exit_code == 0, result.output
    assert f"{ref.id}: rule by_hand -> tier1 P3" in result.output
    assert "no routing facts stored on this ticket" in result.output


def test_explain_of_an_unknown_ticket_fails(run, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    result = run("rules", "explain", "T-999999")
    assert result.exit_code == 2
    assert "error: no ticket T-999999" in result.output
