"""The escalation matrix as data: each rule fires on its facts and stays quiet otherwise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from handoff.rules import DEFAULT_RULES_FILE, RuleSet, RulesFileError, TurnFacts, load_rules


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules(None)


def hit_of(rules: RuleSet, **facts: object) -> tuple[str, str, str] | None:
    hit = rules.evaluate(TurnFacts(charger_id="CP-1042", **facts))  # type: ignore[arg-type]
    return None if hit is None else (hit.rule, hit.tier, hit.priority)


def test_a_single_failed_session_without_an_alarm_stays_with_the_bot(rules: RuleSet) -> None:
    assert hit_of(rules, intent="start_failure", charger_online=True, failed_sessions_recent=1) is None


def test_a_driver_asking_for_a_person_gets_a_tier1_agent(rules: RuleSet) -> None:
    assert hit_of(rules, intent="request_human", driver_asked_human=True) == ("driver_asked_for_human", "tier1", "P3")


def test_the_bot_failing_mid_turn_goes_to_tier1_at_p2(rules: RuleSet) -> None:
    assert hit_of(rules, intent="start_failure", bot_failures=1) == ("bot_failure", "tier1", "P2")
    assert hit_of(rules, intent="start_failure", bot_failures=0) is None


def test_no_progress_names_the_ticket_unless_the_driver_asked_for_a_person(rules: RuleSet) -> None:
    assert hit_of(rules, intent="affirm", no_progress=True) == ("no_progress", "tier1", "P3")
    assert hit_of(rules, intent="request_human", no_progress=True, driver_asked_human=True) == (
        "driver_asked_for_human", "tier1", "P3")


def test_three_failed_sessions_on_one_charger_go_to_tier2(rules: RuleSet) -> None:
    assert hit_of(rules, intent="start_failure", failed_sessions_recent=3) == (
        "repeated_failed_sessions", "tier2", "P2")
    assert hit_of(rules, intent="start_failure", failed_sessions_recent=2) is None


def test_repeated_failures_outrank_a_request_for_a_person(rules: RuleSet) -> None:
    hit = hit_of(rules, driver_asked_human=True, failed_sessions_recent=4)
    assert hit is not None and hit[0] == "repeated_failed_sessions"


def test_a_charger_offline_for_half_an_hour_goes_to_tier2_then_to_field_engineering(rules: RuleSet) -> None:
    assert hit_of(rules, charger_online=False, offline_minutes=29) is None
    assert hit_of(rules, charger_online=False, offline_minutes=30) == ("charger_offline", "tier2", "P2")
    assert hit_of(rules, charger_online=False, offline_minutes=151) == (
        "charger_offline_unresolved", "field_engineering", "P2")


def test_an_online_charger_is_never_offline_whatever_the_minutes_say(rules: RuleSet) -> None:
    assert hit_of(rules, charger_online=True, offline_minutes=500) is None


@pytest.mark.parametrize("facts", [
    {"safety": True},
    {"intent": "safety_hazard"},
    {"error_codes": ("HighTemperature",)},
    {"error_codes": ("NoError", "GroundFailure")},
    {"error_codes": ("OverCurrentFailure",), "failed_sessions_recent": 5, "driver_asked_human": True},
])
def test_safety_goes_to_field_engineering_at_p1_before_anything_else(rules: RuleSet, facts: dict) -> None:
    hit = rules.evaluate(TurnFacts(charger_id="CP-1042", **facts))
    assert hit is not None
    assert (hit.rule, hit.tier, hit.priority, hit.sla_minutes) == ("safety_hazard", "field_engineering", "P1", 15)
    assert "CP-1042" in hit.reason


def test_other_error_codes_are_not_a_safety_matter(rules: RuleSet) -> None:
    assert hit_of(rules, intent="error_message", error_codes=("ConnectorLockFailure",)) is None


def test_a_driver_needing_an_offline_charger_goes_to_tier2_at_once(rules: RuleSet) -> None:
    assert hit_of(rules, intent="start_failure", charger_online=False, offline_minutes=2) == (
        "charger_offline", "tier2", "P2")


def test_a_charger_that_keeps_dropping_offline_goes_to_tier2(rules: RuleSet) -> None:
    assert hit_of(rules, intent="start_failure", charger_online=True, offline_spells_recent=3) == (
        "unstable_connection", "tier2", "P2")
    assert hit_of(rules, intent="start_failure", charger_online=True, offline_spells_recent=2) is None


def test_failed_and_rejected_attempts_count_together(rules: RuleSet) -> None:
    assert hit_of(rules, intent="auth_failed", failed_sessions_recent=1, rejected_sessions_recent=2) == (
        "repeated_failed_sessions", "tier2", "P2")


def test_a_restart_that_left_the_fault_goes_to_field_engineering(rules: RuleSet) -> None:
    assert hit_of(rules, recovery_attempted=True, recovery_verified=False) == (
        "recovery_failed", "field_engineering", "P2")
    assert hit_of(rules, recovery_attempted=True, recovery_verified=True) is None


@pytest.mark.parametrize(("facts", "expected"), [
    ({"reset_cannot_fix": True, "error_codes": ("InternalError",)}, ("hardware_fault", "field_engineering", "P2")),
    ({"reset_cannot_fix": True, "safety_alarm": True}, ("safety_hazard", "field_engineering", "P1")),
    ({"recovery_attempted": True, "recovery_verified": True, "recovery_helped": False},
     ("recovery_did_not_help", "tier2", "P2")),
    ({"recovery_refused": True, "refusal_reason": "outside hours"}, ("recovery_not_allowed", "tier2", "P2")),
    ({"charger_unreachable": True}, ("charger_unreachable", "tier2", "P2")),
    ({"cable_release_failed": True, "charger_unreachable": True}, ("cable_stuck", "tier2", "P2")),
    ({"intent": "start_failure", "no_live_data": True}, ("no_live_data", "tier2", "P3")),
    ({"intent": "auth_failed", "card_refused": True}, ("card_problem", "tier1", "P3")),
])
def test_what_the_bot_did_and_how_it_went_picks_the_rule(rules: RuleSet, facts: dict, expected: tuple) -> None:
    assert hit_of(rules, **facts) == expected


def test_a_ticket_no_rule_takes_goes_to_the_catch_all(rules: RuleSet) -> None:
    assert rules.evaluate(TurnFacts(intent="pricing_info")) is None  # the bot handles it
    hit = rules.route(TurnFacts(intent="pricing_info", charger_id="CP-1042"))
    assert (hit.rule, hit.tier, hit.priority, hit.sla_minutes) == ("unmatched", "tier1", "P3", 240)
    assert hit.facts["intent"] == "pricing_info"


def test_without_a_catch_all_the_code_routes_to_tier1_and_warns(tmp_path: Path,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "rules.yml"
    path.write_text("rules:\n  - name: a\n    when: {intent: x}\n    tier: tier2\n    priority: P1\n")
    with caplog.at_level("WARNING", logger="handoff.rules"):
        hit = load_rules(path).route(TurnFacts(intent="y"))
    assert (hit.rule, hit.tier, hit.priority) == ("unrouted", "tier1", "P3")
    assert "no escalation rule took this ticket" in caplog.text


def test_the_rule_says_what_to_do_next_with_the_facts_filled_in(rules: RuleSet) -> None:
    hit = rules.evaluate(TurnFacts(charger_id="CP-1042", safety=True))
    assert hit is not None and hit.next_step == (
        "Call the driver back now; isolate CP-1042 on site; dispatch field engineering.")
    assert rules.evaluate(TurnFacts(charger_id="CP-1042", intent="report_damage", charger_online=False,
                                    offline_minutes=45)).also_fired == ("physical_damage",)  # type: ignore[union-attr]


def test_damage_goes_to_field_engineering_at_p3_and_billing_to_tier1(rules: RuleSet) -> None:
    assert hit_of(rules, intent="report_damage") == ("physical_damage", "field_engineering", "P3")
    assert hit_of(rules, intent="billing_dispute") == ("billing_dispute", "tier1", "P3")


def test_the_network_rule_routes_only_drivers_caught_in_its_incident(rules: RuleSet) -> None:
    assert rules.network is not None
    assert (rules.network.chargers_at_least, rules.network.sites_at_least, rules.network.window_minutes) == (5, 2, 15)
    assert (rules.network.tier, rules.network.priority) == ("platform_ops", "P1")
    assert hit_of(rules, intent="payment_failed") is None
    assert hit_of(rules, intent="payment_failed", network_incident=True, driver_asked_human=True) == (
        "network_payment_outage", "platform_ops", "P1")
    hit = rules.evaluate(TurnFacts(intent="payment_failed", network_incident=True, safety=True))
    assert hit is not None and hit.rule == "safety_hazard"  # both P1: the safety rule comes first in the file


def test_thresholds_and_slas_come_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yml"
    path.write_text(
        "sla_minutes: {P2: 30}\n"
        "failed_sessions_window_minutes: 120\n"
        "rules:\n"
        "  - name: flaky\n"
        "    when: {failed_sessions_at_least: 5, intent: [start_failure, charging_stopped]}\n"
        "    tier: tier2\n"
        "    priority: P2\n"
        "  - name: offline\n"
        "    when: {offline_minutes_at_least: 10}\n"
        "    tier: tier2\n"
        "    priority: P4\n"
        "    sla_minutes: 5\n"
    )
    rules = load_rules(path)
    assert rules.failed_sessions_window_minutes == 120
    assert rules.offline_threshold_minutes == 10
    assert rules.evaluate(TurnFacts(intent="start_failure", failed_sessions_recent=4)) is None
    hit = rules.evaluate(TurnFacts(intent="charging_stopped", failed_sessions_recent=5))
    assert hit is not None and (hit.rule, hit.sla_minutes, hit.reason) == ("flaky", 30, "flaky")
    offline = rules.evaluate(TurnFacts(charger_online=False, offline_minutes=11))
    assert offline is not None and offline.sla_minutes == 5
    assert rules.sla.minutes_for("P1") == 15


@pytest.mark.parametrize(("text", "line", "words"), [
    ("rules:\n  - name: a\n    when: {intent: x}\n    tier: tier9\n    priority: P1\n", 4, "tier 'tier9'"),
    ("rules:\n  - name: a\n    when: {intent: x}\n    tier: tier1\n    priority: P1\n"
     "  - name: b\n    when:\n      bot_failures_at_least: many\n    tier: tier1\n    priority: P2\n", 8,
     "bot_failures_at_least: 'many' must be a whole number"),
    ("rules:\n  - name: a\n    when: {smell: true}\n    tier: tier1\n    priority: P1\n", 3,
     "unknown condition 'smell'"),
    ("rules:\n  - name: a\n    tier: tier1\n    priority: P1\n", 2, "needs a condition"),
    ("rules:\n  - name: a\n    when: {intent: x}\n    tier: tier1\n    priority: P1\n"
     "  - name: a\n    when: {intent: y}\n    tier: tier1\n    priority: P2\n", 6, "duplicate rule name 'a'"),
    ("rules:\n  - name: a\n    when: {intent: x}\n    tier: tier1\n    priority: P1\n    reason: '{colour}'\n", 6,
     "unknown facts colour"),
    ("sla_minutes: {P9: 5}\nrules: []\n", 1, "'P9' is not one of"),
    ("rules:\n  - name: a\n    when: {intent: x\n", 4, "not valid YAML"),
])
def test_a_bad_rules_file_names_the_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = tmp_path / "rules.yml"
    path.write_text(text)
    with pytest.raises(RulesFileError) as caught:
        load_rules(path)
    assert f"{path}:{line}:" in str(caught.value)
    assert words in str(caught.value)


def test_a_missing_rules_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RulesFileError, match="cannot read"):
        load_rules(tmp_path / "nope.yml")


def test_the_default_files_top_comment_documents_every_fact_and_condition() -> None:
    from handoff.rules import FACT_NAMES
    from handoff.rulesfile import CONDITION_NAMES

    comment = "\n".join(line for line in DEFAULT_RULES_FILE.read_text().splitlines() if line.startswith("#"))
    assert sorted(n for n in FACT_NAMES if n not in comment) == []
    assert sorted(n for n in CONDITION_NAMES if n not in comment) == []


def test_the_default_file_uses_the_vocabulary_of_the_dialogue_docs(rules: RuleSet) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "dialogues.md").read_text()
    rows = [line.split("|") for line in docs.splitlines() if line.startswith("| `") and line.count("|") == 4]
    table = {row[1].strip(" `"): row[2].strip() for row in rows if re.fullmatch(r"\w+, P\d", row[2].strip())}
    assert len(table) == 19
    assert rules.network is not None
    defaults = {r.name: f"{r.tier}, {r.priority}" for r in rules.rules if not r.catch_all}
    defaults[rules.network.name] = f"{rules.network.tier}, {rules.network.priority}"
    assert defaults == table
