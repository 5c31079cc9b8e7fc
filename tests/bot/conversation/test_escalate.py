"""The rules file alone routes the tickets the bot opens: an operator's edits show on the next ticket."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.conversation.adapters import RulesAdapter, TicketsAdapter
from bot.conversation.engine import ConversationEngine
from bot.db import transaction
from bot.messages import InboundMessage, TurnResult
from bot.runtime import Runtime
from handoff.models import Ticket
from handoff.rules import DEFAULT_RULES_FILE, load_rules
from handoff.rules_cli import explain
from ocpp_bridge.models import ChargingSession, StatusEvent
from tests.bot.conversation.conftest import T0, Clock
from tests.bot.conversation.fakes import FakeBridge, FakeKnowledge, FakeNLU, FakePolicy, Result

Driver = Callable[[str], TurnResult]


def _edited(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """The packaged rules with some lines changed, as an operator would edit them."""
    text = DEFAULT_RULES_FILE.read_text()
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "rules.yml"
    path.write_text(text)
    return path


def _driver(sqlite_runtime: Runtime, bridge: FakeBridge, rules_path: Path | None) -> Driver:
    rules = load_rules(rules_path)
    clock = Clock()
    engine = ConversationEngine(sqlite_runtime.sessions, FakeNLU(), bridge, FakeKnowledge(), FakePolicy(),
                                RulesAdapter(rules), TicketsAdapter(rules), clock=clock)
    ids = itertools.count()

    def say(text: str) -> TurnResult:
        return engine.handle(InboundMessage(channel="sms", contact="+4915100000042", text=text,
                                            delivery_id=f"d-{next(ids)}", received_at=clock.now))
    return say


def _ticket(runtime: Runtime) -> Ticket:
    with runtime.sessions() as session:
        return session.scalars(select(Ticket)).one()


def test_an_operator_can_send_damage_reports_to_tier2_with_their_own_sla_and_next_step(
        sqlite_runtime: Runtime, bridge: FakeBridge, tmp_path: Path) -> None:
    path = _edited(tmp_path, (
        "  - name: physical_damage\n    when: {intent: report_damage}\n    tier: field_engineering\n    priority: P3\n",
        "  - name: physical_damage\n    when: {intent: report_damage}\n    tier: tier2\n    priority: P3\n"
        "    sla_minutes: 30\n",
    ), ('    next_step: "inspect and repair on the next site visit"',
        '    next_step: "Ask the site host at {site_id} for a photo of {charger_id}."'))
    say = _driver(sqlite_runtime, bridge, path)
    say("the screen is broken at station 8")
    ticket = _ticket(sqlite_runtime)
    assert (ticket.rule, ticket.tier, ticket.priority) == ("physical_damage", "tier2", "P3")
    assert ticket.sla_due.replace(tzinfo=None) == (T0 + timedelta(minutes=30)).replace(tzinfo=None)
    assert ticket.suggested_next_step == "Ask the site host at berlin-depot for a photo of CP-2001."


def test_an_operator_can_lower_a_priority_the_playbook_used_to_fix(
        sqlite_runtime: Runtime, bridge: FakeBridge, tmp_path: Path) -> None:
    path = _edited(tmp_path, ("  - name: cable_stuck\n    when: {cable_release_failed: true}\n    tier: tier2\n"
                              "    priority: P2\n",
                              "  - name: cable_stuck\n    when: {cable_release_failed: true}\n    tier: tier1\n"
                              "    priority: P4\n"))
    bridge.scripts["UnlockConnector"] = lambda cid, params: Result("UnlockFailed", False)
    result = _driver(sqlite_runtime, bridge, path)("my cable is stuck at station 8")
    handoff = result.replies[-1].handoff
    assert handoff is not None and (handoff.tier, handoff.priority) == ("tier1", "P4")
    assert "I'm passing you to our support team now" in result.replies[-1].text
    ticket = _ticket(sqlite_runtime)
    assert (ticket.rule, ticket.tier, ticket.priority) == ("cable_stuck", "tier1", "P4")
    assert ticket.sla_due.replace(tzinfo=None) == (T0 + timedelta(minutes=1440)).replace(tzinfo=None)


def test_the_default_rules_route_a_damage_report_to_field_engineering(
        sqlite_runtime: Runtime, bridge: FakeBridge) -> None:
    _driver(sqlite_runtime, bridge, None)("the screen is broken at station 8")
    ticket = _ticket(sqlite_runtime)
    assert (ticket.rule, ticket.tier, ticket.priority) == ("physical_damage", "field_engineering", "P3")
    assert ticket.suggested_next_step == "inspect and repair on the next site visit"


def test_the_ticket_keeps_the_facts_the_rules_saw_for_rules_explain(
        sqlite_runtime: Runtime, bridge: FakeBridge) -> None:
    bridge.snapshots["CP-2001"]["connectors"][0].update(status="Faulted", error_code="GroundFailure")
    _driver(sqlite_runtime, bridge, None)("station 8 won't start")
    ticket = _ticket(sqlite_runtime)
    assert (ticket.rule, ticket.tier, ticket.priority) == ("safety_hazard", "field_engineering", "P1")
    text = explain(ticket.ref, ticket.rule, ticket.tier, ticket.priority, ticket.routing).splitlines()
    assert text[0] == f"{ticket.ref}: rule safety_hazard -> field_engineering P1"
    assert "fired on: error_codes: [HighTemperature, GroundFailure, OverCurrentFailure]" in text
    assert "also fired (less urgent or later in the file): hardware_fault" in text
    assert "  error_codes: GroundFailure" in text
    assert "  reset_cannot_fix: true" in text
    assert "  intent: start_failure" in text


def _dropped_offline(runtime: Runtime, charger_id: str, minutes_ago: list[int]) -> None:
    with transaction(runtime.sessions) as session:
        for ago in minutes_ago:
            session.add(StatusEvent(charger_id=charger_id, kind="offline", info="connection lost",
                                    at=T0 - timedelta(minutes=ago)))


def test_a_charger_that_keeps_dropping_offline_sends_the_driver_to_tier2_at_once(
        sqlite_runtime: Runtime, bridge: FakeBridge) -> None:
    _dropped_offline(sqlite_runtime, "CP-2001", [50, 38, 26, 14, 90])  # the last one is outside the hour
    result = _driver(sqlite_runtime, bridge, None)("station 8 won't start")
    said = "\n".join(r.text for r in result.replies)
    assert "so a colleague should look at it" in said
    assert "start sequence" not in said  # no guide for a charger whose history says it is the charger
    assert result.replies[-1].handoff is not None and result.replies[-1].handoff.tier == "tier2"
    ticket = _ticket(sqlite_runtime)
    assert (ticket.rule, ticket.priority) == ("unstable_connection", "P2")
    assert ticket.routing is not None and ticket.routing["facts"]["offline_spells_recent"] == 4
    assert ticket.summary.startswith("Driver on sms at Station 8 (CP-2001): start_failure; the charger looks fine "
                                     "now but has had trouble recently.")


def test_two_dropouts_are_no_reason_for_a_ticket(sqlite_runtime: Runtime, bridge: FakeBridge) -> None:
    _dropped_offline(sqlite_runtime, "CP-2001", [50, 14])
    result = _driver(sqlite_runtime, bridge, None)("station 8 won't start")
    assert "start sequence" in "\n".join(r.text for r in result.replies)
    assert all(r.handoff is None for r in result.replies)


def test_asking_whether_a_troubled_charger_works_reports_it_instead_of_saying_yes(
        sqlite_runtime: Runtime, bridge: FakeBridge) -> None:
    _dropped_offline(sqlite_runtime, "CP-2001", [50, 38, 26])
    result = _driver(sqlite_runtime, bridge, None)("is station 8 working?")
    said = "\n".join(r.text for r in result.replies)
    assert "You can use it now" not in said
    assert "I've reported it (ticket T-000001)." in said
    assert all(r.handoff is None for r in result.replies)
    assert _ticket(sqlite_runtime).rule == "unstable_connection"


def test_a_yes_to_the_offer_of_a_person_after_unclear_turns_is_no_progress(
        sqlite_runtime: Runtime, bridge: FakeBridge) -> None:
    say = _driver(sqlite_runtime, bridge, None)
    for text in ("blorp", "flib flob", "zzz"):
        say(text)
    result = say("yes")
    assert result.replies[-1].handoff is not None
    ticket = _ticket(sqlite_runtime)
    assert (ticket.rule, ticket.tier, ticket.priority) == ("no_progress", "tier1", "P3")


def test_a_ticket_no_rule_takes_still_opens_and_is_logged(
        sqlite_runtime: Runtime, bridge: FakeBridge, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "rules.yml"
    path.write_text("rules:\n  - name: safety_hazard\n    when: {safety: true}\n    tier: field_engineering\n"
                    "    priority: P1\n")
    with caplog.at_level(logging.WARNING, logger="handoff.rules"):
        result = _driver(sqlite_runtime, bridge, path)("I want to talk to a person")
    assert result.replies[-1].handoff is not None
    ticket = _ticket(sqlite_runtime)
    assert (ticket.rule, ticket.tier, ticket.priority) == ("unrouted", "tier1", "P3")
    assert "no escalation rule took this ticket" in caplog.text


def test_a_ticket_from_a_driver_caught_in_a_network_outage_goes_to_platform_ops(
        sqlite_runtime: Runtime, bridge: FakeBridge, tmp_path: Path) -> None:
    path = _edited(tmp_path, ("chargers_at_least: 5", "chargers_at_least: 1"), ("sites_at_least: 2", "sites_at_least: 1"))
    say = _driver(sqlite_runtime, bridge, path)
    say("my card declined at station 8")
    result = say("I want to talk to a person")
    handoff = result.replies[-1].handoff
    assert handoff is not None and (handoff.tier, handoff.priority) == ("platform_ops", "P1")
    assert "This looks like a known problem across our network" in result.replies[-1].text
    ticket = _ticket(sqlite_runtime)
    assert (ticket.rule, ticket.tier, ticket.priority) == ("network_payment_outage", "platform_ops", "P1")
    assert ticket.incident_id is not None


def test_a_card_refusal_the_bot_could_not_resolve_is_a_card_problem(
        sqlite_runtime: Runtime, bridge: FakeBridge) -> None:
    say = _driver(sqlite_runtime, bridge, None)
    say("my card was rejected at station 8")
    say("I want to talk to a person")
    ticket = _ticket(sqlite_runtime)
    assert (ticket.rule, ticket.tier, ticket.priority) == ("card_problem", "tier1", "P3")


def _rejected(runtime: Runtime, charger_id: str, minutes_ago: list[int]) -> None:
    with transaction(runtime.sessions) as session:
        for ago in minutes_ago:
            session.add(ChargingSession(charger_id=charger_id, connector_id=1, outcome="rejected", reason="Blocked",
                                        started_at=T0 - timedelta(minutes=ago)))


@pytest.mark.parametrize(("attempts", "ticket"), [([3], None), ([3, 9, 20], "repeated_failed_sessions")])
def test_a_card_refused_three_times_at_one_charger_goes_to_tier2_once_does_not(
        sqlite_runtime: Runtime, bridge: FakeBridge, attempts: list[int], ticket: str | None) -> None:
    _rejected(sqlite_runtime, "CP-2001", attempts)
    bridge.snapshots["CP-2001"]["recent_sessions"] = [
        {"id": 3, "id_tag": "0BAD****01", "outcome": "rejected", "reason": "Blocked"}]
    result = _driver(sqlite_runtime, bridge, None)("my card was rejected at station 8")
    assert "our system reports it as blocked" in result.replies[0].text
    with sqlite_runtime.sessions() as session:
        assert [t.rule for t in session.scalars(select(Ticket))] == ([ticket] if ticket else [])
    assert (result.replies[-1].handoff is not None) == (ticket is not None)


def test_a_second_handoff_to_the_same_case_says_it_was_added_instead_of_repeating_itself(
        sqlite_runtime: Runtime, bridge: FakeBridge) -> None:
    _dropped_offline(sqlite_runtime, "CP-2001", [50, 38, 26])
    say = _driver(sqlite_runtime, bridge, None)
    first = say("station 8 won't start")
    again = say("station 8 won't start")
    assert "I'm passing you to our technical team now (ticket T-000001)" in first.replies[-1].text
    assert again.replies[-1].text.endswith("I've added this to your case with our technical team (ticket T-000001); "
                                           "they will get back to you here shortly.")
    assert again.replies[-1].handoff is not None and again.replies[-1].handoff.ticket_id == "T-000001"


def test_a_restart_refused_after_one_that_left_the_fault_is_still_a_failed_recovery(
        sqlite_runtime: Runtime, bridge: FakeBridge) -> None:
    bridge.snapshots["CP-2001"]["connectors"][0].update(status="Faulted", error_code="InternalError")
    say = _driver(sqlite_runtime, bridge, None)
    say("station 8 won't start")
    say("yes")  # the restart is verified, but the fault stays
    first = _ticket(sqlite_runtime)
    assert (first.rule, first.tier) == ("recovery_failed", "field_engineering")
    with sqlite_runtime.sessions() as session:
        assert session.get(Ticket, first.id).routing["facts"]["recovery_verified"] is False  # type: ignore[union-attr]
