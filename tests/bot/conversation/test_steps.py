"""A long guide on the phone goes a step at a time; chat channels get it whole."""

from __future__ import annotations

from typing import Any

from tests.bot.conversation.conftest import texts
from tests.bot.conversation.fakes import Guide

SPOKEN = "\n".join(["Here is how to start with a charging card.", "First, plug the cable firmly into your car.",
                    "Then hold the card flat on the reader.", "Wait for a beep or a green light.",
                    "If nothing happens, take the card out of your wallet."])


def long_guide(parts: dict[str, Any]) -> None:
    parts["knowledge"].guides = lambda session, intent, entities, charger_id, language=None: [
        Guide("1. Plug in. 2. Hold the card. 3. Wait for the beep.", SPOKEN, id="start-rfid", tags=("rfid",))]


def test_a_caller_hears_a_long_guide_one_step_at_a_time(say, parts) -> None:
    long_guide(parts)
    first = say("how do i start charging at station eight", channel="voice")
    assert first.replies[-1].voice_text == ("Here is how to start with a charging card. "
                                            "First, plug the cable firmly into your car.")
    assert [c.payload for c in first.replies[-1].choices] == ["next"]
    second = say("", channel="voice", digits="1")
    assert second.replies[0].voice_text == "Step 2. Then hold the card flat on the reader."
    third = say("okay done", channel="voice")
    assert third.replies[0].voice_text == "Step 3. Wait for a beep or a green light."
    last = say("next", channel="voice")
    assert last.replies[0].voice_text.startswith("And the last step. If nothing happens, take the card out")


def test_a_caller_who_says_it_works_is_not_read_the_rest(say, parts) -> None:
    long_guide(parts)
    say("how do i start charging at station eight", channel="voice")
    done = say("oh its charging now", channel="voice")
    assert texts(done) == "Great, glad it's working now. Anything else I can help with?"


def test_a_caller_who_did_it_all_already_gets_a_person(say, parts) -> None:
    long_guide(parts)
    say("how do i start charging at station eight", channel="voice")
    result = say("i already did all of that", channel="voice")
    assert result.replies[-1].handoff is not None
    assert parts["tickets"].drafts[-1]["rule"] == "no_progress"


def test_a_chat_driver_gets_the_whole_guide_at_once(say, parts) -> None:
    long_guide(parts)
    result = say("how do i start charging at station eight", channel="webchat")
    assert result.replies[-1].voice_text == SPOKEN and result.replies[-1].choices == ()
