"""The call flow as Twilio drives it: signed posts, TwiML followed verb by verb."""

from bot.channels.twilio_rest import TwilioSender
from bot.messages import Handoff, Reply
from bot.runtime import Runtime
from ivr import prompts
from tests.support.engine import RecordingEngine
from tests.support.twilio import Call, TwilioClient, twilio_for
from tests.support.twilio_rest import ACCOUNT_SID, AUTH_TOKEN, TwilioRestServer

CALLER, OUR_NUMBER = "+4915112345789", "+4930111222"


def test_a_call_is_greeted_and_each_answer_goes_to_the_dialogue(twilio: TwilioClient, engine: RecordingEngine) -> None:
    call = Call(twilio)
    assert call.start() == [prompts.GREETING]
    assert call.gather["input"] == "speech dtmf" and call.gather["speechTimeout"] == "auto"
    assert call.gather["bargeIn"] == "true" and call.gather["language"] == "en-GB"
    assert call.next_url == "https://support.example.com/twilio/voice/turn?n=1"
    assert call.say("uh yeah the charger won't start") == ["Which charger are you at?"]
    call.press("1042")
    first, second = engine.seen
    assert (first.channel, first.contact, first.text, first.speech_confidence) == (
        "voice", "+4915112345789", "uh yeah the charger won't start", 0.92)
    assert first.delivery_id == f"{call.sid}:1" and second.delivery_id == f"{call.sid}:2"
    assert second.digits == "1042"


def test_two_silences_are_reprompted_then_a_person_takes_the_call(twilio: TwilioClient, engine: RecordingEngine) -> None:
    call = Call(twilio)
    call.start()
    assert call.silence() == [prompts.REPROMPTS[0]]
    assert call.silence() == [prompts.REPROMPTS[1]]
    assert call.silence()[0] == prompts.NO_INPUT_TRANSFER
    assert call.transferred_to == {"queue": "support", "action": None}
    assert engine.seen == []


def test_pressing_zero_asks_for_a_person(twilio: TwilioClient, engine: RecordingEngine) -> None:
    call = Call(twilio)
    call.start()
    call.press("0")
    assert engine.seen[0].button == "intent:request_human"


def test_a_handoff_enqueues_the_caller_and_the_agent_hears_the_ticket(twilio: TwilioClient,
                                                                       engine: RecordingEngine) -> None:
    engine.replies = (Reply(text="I'm passing you to a colleague.",
                            handoff=Handoff("T-000042", "field_engineering", "Smoke at Station 12", "P1")),)
    call = Call(twilio)
    call.start()
    said = call.say("there's smoke coming out of the charger")
    assert said == ["I'm passing you to a colleague.", "Please hold. A colleague will be with you shortly."]
    assert call.transferred_to == {"queue": "support",
                                   "action": "https://support.example.com/twilio/voice/after?ticket=T-000042"}


def test_nobody_answering_promises_a_callback(twilio: TwilioClient) -> None:
    response = twilio.post("/twilio/voice/after?ticket=T-000042",
                           {"CallSid": "CA1", "From": "+4915112345789", "To": "+4930111222", "QueueResult": "hangup"})
    assert response.status_code == 200
    assert b"A colleague will call you back" in response.data
    assert b"Your ticket number is T, 4, 2." in response.data  # no Twilio account: nothing texted


def test_nobody_answering_texts_the_ticket_number(runtime: Runtime, engine: RecordingEngine,
                                                  twilio_api: TwilioRestServer) -> None:
    sender = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, api_url=twilio_api.url, timeout=5)
    twilio = twilio_for(runtime, engine=engine, twilio_sender=sender)
    response = twilio.post("/twilio/voice/after?ticket=T-000042",
                           {"CallSid": "CA2", "From": CALLER, "To": OUR_NUMBER, "DialCallStatus": "no-answer"})
    assert b"I've sent you a text message with your ticket number, T, 4, 2." in response.data
    (text,) = twilio_api.messages
    assert (text["To"], text["From"]) == (CALLER, OUR_NUMBER) and "T-000042" in text["Body"]


def test_a_caller_who_texted_stop_gets_no_callback_text(runtime: Runtime, engine: RecordingEngine,
                                                       twilio_api: TwilioRestServer) -> None:
    sender = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, api_url=twilio_api.url, timeout=5)
    twilio = twilio_for(runtime, engine=engine, twilio_sender=sender)
    assert twilio.sms(CALLER, "STOP").status_code == 200
    response = twilio.post("/twilio/voice/after?ticket=T-000042",
                           {"CallSid": "CA3", "From": CALLER, "To": OUR_NUMBER, "DialCallStatus": "no-answer"})
    assert b"Your ticket number is T, 4, 2." in response.data and b"text message" not in response.data
    assert twilio_api.messages == []


def test_the_fallback_url_reaches_a_person_without_the_core(twilio: TwilioClient, engine: RecordingEngine) -> None:
    engine.fail = True
    call = Call(twilio)
    call.next_url = "https://support.example.com/twilio/voice/fallback"
    assert call.silence() == [prompts.TRANSFER_APOLOGY, "Please hold. A colleague will be with you shortly."]
    assert call.transferred_to is not None and call.transferred_to["queue"] == "support"


def test_a_failing_core_sends_the_caller_to_a_person(twilio: TwilioClient, engine: RecordingEngine) -> None:
    engine.fail = True
    call = Call(twilio)
    call.start()
    assert call.say("hello")[0] == prompts.TRANSFER_APOLOGY
    assert call.transferred_to is not None


def test_a_repeated_turn_is_processed_once_and_the_call_stays_up(twilio: TwilioClient, engine: RecordingEngine) -> None:
    call = Call(twilio)
    call.start()
    url = call.next_url
    call.say("it won't start")
    call.next_url = url  # Twilio retries the same action URL
    assert call.say("it won't start") == []
    assert call.next_url is not None and not call.hung_up
    assert len(engine.seen) == 2 and engine.seen[0].delivery_id == engine.seen[1].delivery_id


def test_unsigned_calls_are_refused(twilio: TwilioClient, engine: RecordingEngine) -> None:
    for path in ("/twilio/voice", "/twilio/voice/turn?n=1", "/twilio/voice/fallback", "/twilio/voice/whisper"):
        assert twilio.post(path, {"CallSid": "CA1", "From": "+4915112345789"}, sign=False).status_code == 403
    assert engine.seen == []
