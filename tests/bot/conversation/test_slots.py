"""Slot filling: the charger from a QR link, the message, memory or a question; ambiguity; corrections."""

from __future__ import annotations

from tests.bot.conversation.conftest import texts
from tests.bot.conversation.fakes import connector, snapshot


def test_a_qr_deep_link_names_the_charger_so_the_bot_does_not_ask(say, parts) -> None:
    result = say("the charger won't start", charger_hint="CP-1042")
    assert "Which charger" not in texts(result)
    assert texts(result).startswith("I'm looking at Station 12: it is online")


def test_a_charger_named_in_the_message_is_used(say) -> None:
    result = say("station 8 won't start")
    assert texts(result).startswith("I'm looking at Station 8: it is online, and connector 1 (Type 2) is free")


def test_the_bot_asks_for_the_charger_and_continues_with_the_answer(say) -> None:
    asked = say("the charger won't start")
    assert asked.replies[0].text.startswith("Which charger are you at?")
    answered = say("it's CP-2001")
    assert answered.replies[0].text.startswith("I'm looking at Station 8")


def test_an_ambiguous_number_is_answered_with_choices(say, parts) -> None:
    say("the charger won't start")
    ambiguous = say("number 0")  # both CP-1042 ("1042") and CP-2001 ("2001") hold a 0 only as part; no match
    assert "which charger" in texts(ambiguous).lower()
    both = say("the one with 1 in it: 1042 or 2001")
    assert both.replies[0].text == "More than one charger matches. Which one is it?"
    assert [c.payload for c in both.replies[0].choices] == ["charger:CP-1042", "charger:CP-2001"]
    picked = say("", button="charger:CP-2001")
    assert picked.replies[0].text.startswith("I'm looking at Station 8")


def test_a_keypad_digit_picks_the_offered_charger(say) -> None:
    say("the charger won't start", channel="voice")
    say("1042 or 2001", channel="voice")
    picked = say("", channel="voice", digits="1")
    assert picked.replies[0].text.startswith("I'm looking at Station 12")


def test_the_charger_from_the_last_conversation_is_offered(say, parts) -> None:
    say("station 8 won't start")
    parts["clock"].advance(hours=2)
    asked = say("my card was refused")
    assert "Last time you used Station 8." in asked.replies[0].text
    assert [c.payload for c in asked.replies[0].choices] == ["charger:CP-2001"]


def test_no_station_8_switches_the_charger_and_redoes_the_check(say) -> None:
    first = say("station 12 won't start")
    assert "Station 12" in texts(first)
    corrected = say("no, station 8")
    assert corrected.replies[0].text == "OK, Station 8."
    assert corrected.replies[1].text.startswith("I'm looking at Station 8")


def test_the_connector_is_asked_only_when_it_matters(say, bridge) -> None:
    bridge.snapshots["CP-1042"] = snapshot("CP-1042", "Station 12", [
        connector(1, "CCS2", 150, "Faulted", "InternalError"), connector(2, "CHAdeMO", 50)])
    asked = say("station 12 won't start")
    assert asked.replies[0].text == "Connector 1 (CCS2) on Station 12 reports a fault. Is that the one you're using?"
    assert [c.payload for c in asked.replies[0].choices] == ["connector:1", "connector:2"]
    healthy = say("connector 2")
    assert "connector 2 (CHAdeMO) is free and ready" in texts(healthy)
    assert "start sequence" in texts(healthy)


def test_a_single_connector_charger_is_never_asked_about_connectors(say, bridge) -> None:
    bridge.snapshots["CP-2001"] = snapshot("CP-2001", "Station 8", [connector(1, "Type 2", 22, "Faulted",
                                                                                  "InternalError")])
    result = say("station 8 won't start")
    assert "Which one are you using" not in texts(result)
    assert "Shall I do it?" in texts(result)


def test_two_clarifying_questions_then_a_person_is_offered(say, parts) -> None:
    first = say("hmm the thing with the stuff")
    assert first.replies[0].text == "Sorry, I'm not sure I understood. Is it one of these?"
    assert [c.payload for c in first.replies[0].choices] == ["intent:start_failure", "intent:cable_stuck"]
    second = say("you know the blue one")
    assert second.replies[0].text.startswith("Sorry, I still didn't get that.")
    third = say("whatever")
    assert third.replies[0].text.startswith("I'm sorry I'm not getting this right. Would you like me to pass you")
    handed = say("yes")
    assert handed.replies[-1].handoff is not None
    assert parts["tickets"].drafts[-1]["tier"] == "tier1"


def test_a_clarifying_choice_starts_that_playbook(say) -> None:
    say("hmm the thing with the stuff", charger_hint="CP-2001")
    picked = say("", button="intent:start_failure")
    assert picked.replies[0].text.startswith("The charger itself looks fine, so it is most likely the start sequence")
