"""A call in German as Twilio drives it: the line's language menu, then <Say>/<Gather> in de-DE."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from bot.messages import Choice, InboundMessage, Reply, TurnResult
from bot.runtime import Runtime
from tests.support.engine import RecordingEngine
from tests.support.twilio import Call, TwilioClient, twilio_for

OUR_NUMBER = "+4930111222"
GREETING_DE = ("Hallo, hier ist der Lade-Support. Sagen Sie mir in wenigen Worten, was an der Ladesäule los ist. "
               "Um jederzeit mit einem Menschen zu sprechen, drücken Sie die Null.")


@dataclass
class GermanEngine(RecordingEngine):
    """Answers in the language the turn arrived in (German unless the call switched)."""

    def handle(self, message: InboundMessage) -> TurnResult:
        self.seen.append(message)
        if message.language == "de":
            return TurnResult("c1", replies=(Reply(text="Hat es geklappt?", choices=(
                Choice("Ja", "yes", dtmf="1"), Choice("Nein", "no", dtmf="2"))),), language="de")
        return TurnResult("c1", replies=(Reply(text="Which charger are you at?"),), language="en")


@pytest.fixture
def engine() -> GermanEngine:
    return GermanEngine()


@pytest.fixture
def twilio(runtime: Runtime, engine: GermanEngine) -> TwilioClient:
    settings = replace(runtime.settings, voice_languages=((OUR_NUMBER, ("de", "en")), ("*", ("en",))))
    return twilio_for(replace(runtime, settings=settings), engine=engine)


def test_a_german_line_greets_in_german_offers_english_and_the_turn_is_german(twilio: TwilioClient,
                                                                              engine: GermanEngine) -> None:
    call = Call(twilio, to=OUR_NUMBER)
    assert call.start() == [GREETING_DE, "For English, press 2."]
    assert call.gather["language"] == "de-DE" and call.gather["hints"].startswith("Ladesäule, Säule, Station")
    assert call.next_url == "https://support.example.com/twilio/voice/turn?n=1&lang=de&menu=de%2Cen"
    assert call.say("die Ladesäule startet nicht") == ["Hat es geklappt? Drücken Sie 1 für Ja, 2 für Nein."]
    assert engine.seen[0].language == "de"
    assert call.gather["language"] == "de-DE"
    assert call.next_url == "https://support.example.com/twilio/voice/turn?n=2&lang=de"


def test_pressing_2_at_the_greeting_switches_the_call_to_english(twilio: TwilioClient, engine: GermanEngine) -> None:
    call = Call(twilio, to=OUR_NUMBER)
    call.start()
    said = call.press("2")
    assert said[0].startswith("Hello, this is charging support.")
    assert call.gather["language"] == "en-GB"
    assert call.next_url == "https://support.example.com/twilio/voice/turn?n=1"
    assert engine.seen == []  # the menu key is not a turn of the dialogue
    assert call.say("the charger won't start") == ["Which charger are you at?"]
    assert engine.seen[0].language is None


def test_another_number_keeps_the_english_line(twilio: TwilioClient) -> None:
    call = Call(twilio, to="+441234567890")
    assert call.start()[0].startswith("Hello, this is charging support.")
    assert call.gather["language"] == "en-GB"


def test_a_german_reprompt_is_german(twilio: TwilioClient) -> None:
    call = Call(twilio, to=OUR_NUMBER)
    call.start()
    assert call.silence()[0].startswith("Entschuldigung, das habe ich nicht verstanden.")
    assert call.gather["language"] == "de-DE"
