"""The conversation's language: asked for, guessed by the channel, detected and followed, kept on the ticket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.conversation.language import of_number, requested
from bot.messages import TurnResult
from tests.bot.conversation.conftest import texts
from tests.bot.conversation.fakes import FakeNLU

GERMAN_WORDS = ("ladesäule", "säule", "startet", "nicht", "kabel", "bitte", "hallo")


class DetectingNLU(FakeNLU):
    """The keyword NLU plus a detector that calls a message with German words German and longer ones English."""

    def parse(self, text: str, language: str | None = None) -> Any:
        words = text.lower().replace(",", " ").split()
        detected = "de" if any(w in GERMAN_WORDS for w in words) else "en" if len(words) >= 3 else None
        return Detected(super().parse(text, language), detected)


class Detected:
    """A parse with the language the detector found."""

    def __init__(self, parsed: Any, detected: str | None) -> None:
        self.parsed, self.detected_language = parsed, detected

    def __getattr__(self, name: str) -> Any:
        return getattr(self.parsed, name)


def test_a_driver_who_asks_for_german_gets_german_from_then_on(say: Callable[..., TurnResult]) -> None:
    first = say("auf Deutsch bitte")
    assert texts(first) == "Gern, ich schreibe ab jetzt auf Deutsch. Was ist an der Ladesäule los?"
    assert first.language == "de"
    second = say("hi")
    assert second.replies[0].text.startswith("Hallo, ich bin der Lade-Support-Assistent.")
    assert [c.title for c in second.replies[0].choices] == ["Säule startet nicht", "Karte/App abgelehnt",
                                                            "Kabel steckt fest", "Etwas anderes"]
    assert [c.payload for c in second.replies[0].choices][0] == "intent:start_failure"  # payloads stay


def test_english_please_switches_back(say: Callable[..., TurnResult]) -> None:
    say("auf Deutsch bitte")
    result = say("English please")
    assert texts(result) == "Sure, I'll continue in English. What's happening at the charger?"
    assert result.language == "en"


def test_the_channels_guess_starts_a_new_conversation_in_german(say: Callable[..., TurnResult],
                                                                 parts: dict) -> None:
    result = say("is station 8 working", channel="webchat", contact="web-session-1", language="de-DE")
    assert result.language == "de"
    assert texts(result) == ("Ich sehe mir Station 8 an: sie ist online, und Anschluss 1 (Type 2) ist frei und "
                             "bereit.\nSie können sie jetzt nutzen.")


def test_a_german_driver_reaches_a_person_and_the_ticket_says_german(say: Callable[..., TurnResult],
                                                                      parts: dict) -> None:
    result = say("I want to talk to a person", language="de")
    assert result.replies[-1].handoff is not None
    assert result.replies[-1].text.startswith("Natürlich. Ich übergebe Sie jetzt an ")
    assert parts["tickets"].drafts[-1]["language"] == "de"


def test_an_english_conversation_stays_english_and_its_ticket_says_so(say: Callable[..., TurnResult],
                                                                       parts: dict) -> None:
    result = say("I want to talk to a person")
    assert result.language == "en"
    assert result.replies[-1].text.startswith("Of course. I'm passing you to ")
    assert parts["tickets"].drafts[-1]["language"] == "en"


def test_a_phone_numbers_country_is_a_prior_only_where_the_deployment_turns_it_on() -> None:
    assert of_number("+4915112345678") == "de" and of_number("whatsapp:+436641234567") == "de"
    assert of_number("+41791234567") == "de" and of_number("+447700900123") == "en"
    assert of_number("123456789") is None  # a Telegram chat id: no country


def test_a_request_must_be_short_and_not_negated() -> None:
    assert requested("auf Deutsch bitte") == ("de", True)
    assert requested("English please") == ("en", True)
    assert requested("Deutsch bitte, Säule 7 kaputt") == ("de", False)
    assert requested("ich spreche kein Deutsch") is None
    assert requested("the German flag on the charger is torn and it will not start") is None


def test_a_detected_switch_is_followed_and_short_replies_keep_the_language(engine: Any, parts: dict,
                                                                          say: Callable[..., TurnResult]) -> None:
    engine.deps.nlu.__class__ = DetectingNLU
    assert say("hallo, die Ladesäule startet nicht").language == "de"
    assert say("ok").language == "de"  # too short to tell
    assert say("sorry, can you write in English? the charger does not start").language == "en"


def test_a_german_driver_is_asked_for_the_connector_in_german(say: Callable[..., TurnResult]) -> None:
    say("auf Deutsch bitte")
    asked = say("cable stuck at station 12")
    assert texts(asked) == "Station 12 hat 2 Anschlüsse. Welchen benutzen Sie?"
    assert [c.title for c in asked.replies[0].choices] == ["Anschluss 1 (CCS2)", "Anschluss 2 (CHAdeMO)"]
    assert [c.payload for c in asked.replies[0].choices] == ["connector:1", "connector:2"]  # payloads stay
