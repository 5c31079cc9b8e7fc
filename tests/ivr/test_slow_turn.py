"""A turn that outlasts the webhook budget holds the caller; one that never ends goes to a person."""

from __future__ import annotations

import threading

from bot.channels.deferred import DeferredTurns
from bot.messages import InboundMessage, TurnResult
from bot.runtime import Runtime
from ivr import prompts
from ivr.web import MAX_WAITS
from tests.support.engine import RecordingEngine
from tests.support.twilio import Call, twilio_for


class StuckEngine(RecordingEngine):
    """The engine's turn blocks until the test releases it (a charger that never answers)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def handle(self, message: InboundMessage) -> TurnResult:
        self.release.wait(30)
        return super().handle(message)


def test_a_turn_that_never_finishes_ends_with_a_person_after_bounded_waits(runtime: Runtime) -> None:
    engine = StuckEngine()
    twilio = twilio_for(runtime, engine=engine, deferred=DeferredTurns(budget=0.01, wait_budget=0.01))
    call = Call(twilio)
    call.start()
    try:
        said = call.say("restart station 8 please")
    finally:
        engine.release.set()
    assert said == [prompts.HOLD, *[prompts.HOLD_AGAIN] * (MAX_WAITS - 1), prompts.HOLD_TOO_LONG,
                    "Please hold. A colleague will be with you shortly."]
    assert call.transferred_to is not None and call.transferred_to["queue"] == "support"


def test_a_held_caller_hears_the_answer_once_the_turn_is_done(runtime: Runtime) -> None:
    engine = StuckEngine()
    turns = DeferredTurns(budget=0.01, wait_budget=10)
    twilio = twilio_for(runtime, engine=engine, deferred=turns)
    call = Call(twilio)
    call.start()
    held = twilio.post(call.next_url or "", call.params(SpeechResult="restart station 8 please"))
    assert b"<Say" in held.data and prompts.HOLD.encode() in held.data and b"<Pause" in held.data
    engine.release.set()  # the charger answers while the caller is on hold
    assert call._follow(twilio.post("/twilio/voice/wait?n=1&w=1", call.params())) == ["Which charger are you at?"]
    assert call.next_url == "https://support.example.com/twilio/voice/turn?n=2"


def test_an_unsigned_wait_is_refused(runtime: Runtime) -> None:
    twilio = twilio_for(runtime, engine=RecordingEngine())
    assert twilio.post("/twilio/voice/wait?n=1&w=1", {"CallSid": "CA1"}, sign=False).status_code == 403
