"""The dialogue's questions as a caller hears them: each option read once, with its key, by the voice renderer."""

from __future__ import annotations

import pytest

from bot.conversation.engine import ConversationEngine
from bot.fleet import import_fleet, parse_fleet_file
from bot.runtime import Runtime
from tests.bot.conversation.conftest import FLEET, Clock
from tests.bot.conversation.fakes import (
    FakeBridge,
    FakeKnowledge,
    FakeNLU,
    FakePolicy,
    FakeTickets,
    connector,
    snapshot,
)
from tests.support.twilio import Call, TwilioClient, twilio_for


@pytest.fixture
def bridge() -> FakeBridge:
    fake = FakeBridge()
    fake.snapshots["CP-1042"] = snapshot("CP-1042", "Station 12",
                                         [connector(1, "CCS2", 150, "Faulted", "InternalError"),
                                          connector(2, "CHAdeMO", 50)])
    return fake


@pytest.fixture
def dialogue(runtime: Runtime, bridge: FakeBridge) -> TwilioClient:
    """The voice webhooks on the real dialogue, with small fakes behind it."""
    import_fleet(runtime.sessions, parse_fleet_file(FLEET))
    engine = ConversationEngine(runtime.sessions, FakeNLU(), bridge, FakeKnowledge(), FakePolicy(), None,
                                FakeTickets(), clock=Clock())
    return twilio_for(runtime, engine=engine)


def test_the_charger_question_offers_the_keypad_once(dialogue: TwilioClient) -> None:
    call = Call(dialogue)
    call.start()
    assert call.say("the charger won't start") == [
        "Which charger are you at? Please say the number on the front of the charger. "
        "Or key in the number, then press hash."]


def test_the_connector_question_names_each_connector_once(dialogue: TwilioClient) -> None:
    call = Call(dialogue)
    call.start()
    assert call.say("station 12 won't start") == [
        "Connector 1, the CCS2, on Station 12 reports a fault. Is that the one you are using? "
        "For yes, connector 1, the CCS2, press 1. For no, connector 2, the CHAdeMO, press 2."]


def test_the_restart_question_reads_yes_and_no_once(dialogue: TwilioClient) -> None:
    call = Call(dialogue)
    call.start()
    call.say("station 12 won't start")
    question = call.press("1")[-1]
    assert question.endswith("Shall I do it? Press 1 for yes, 2 for no.")
    assert question.lower().count("press") == 1
