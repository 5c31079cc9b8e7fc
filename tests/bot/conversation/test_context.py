"""Cues in a driver's wording that change what the dialogue does next."""

from __future__ import annotations

import pytest

from bot.conversation.context import clauses, read_cues


@pytest.mark.parametrize("text", ["station 10 doesnt work again", "third time this week",
                                  "same problem as yesterday", "it keeps failing"])
def test_a_repeating_problem_is_recognised(text: str) -> None:
    assert read_cues(text).again


def test_still_is_persistence_and_start_again_is_a_retry() -> None:
    assert read_cues("it still doesnt start").still and not read_cues("it still doesnt start").again
    assert not read_cues("can i start it again?").again


@pytest.mark.parametrize("text", ["i did that, nothing happens", "tried that already", "didnt help",
                                  "still nothing", "followed the steps, no luck"])
def test_a_driver_who_did_what_was_asked_is_recognised(text: str) -> None:
    assert read_cues(text).did_that


@pytest.mark.parametrize("text", ["the charger wont start", "how do I pay", "station 7", "yes"])
def test_a_plain_problem_carries_no_repetition_cue(text: str) -> None:
    cues = read_cues(text)
    assert not (cues.again or cues.did_that or cues.frustrated)


@pytest.mark.parametrize("text", ["it doesnt work", "broken", "help", "not working!!", "its not working"])
def test_a_vague_complaint_is_recognised(text: str) -> None:
    assert read_cues(text).vague


def test_a_specific_complaint_is_not_vague() -> None:
    assert not read_cues("station 6 screen is dead, nothing lights up").vague
    assert not read_cues("my card doesnt work at station 8").vague


@pytest.mark.parametrize(("text", "lacks"), [
    ("how do I start charging, I don't have an RFID card", {"rfid"}),
    ("i dont have the app", {"app"}),
    ("no app on my phone and no credit card", {"app", "contactless"}),
    ("I haven't got a charging card", {"rfid"}),
    ("I have the app", set()),
])
def test_what_the_driver_does_not_have(text: str, lacks: set[str]) -> None:
    assert read_cues(text).lacks == lacks


def test_frustration_with_the_bot_is_recognised() -> None:
    assert read_cues("you keep sending the same text").frustrated
    assert not read_cues("thanks that worked").frustrated


def test_two_problems_in_one_message_are_cut_apart() -> None:
    assert clauses("my card was declined and now the cable is stuck") == ["my card was declined",
                                                                           "the cable is stuck"]
    assert clauses("the charger wont start") == ["the charger wont start"]
