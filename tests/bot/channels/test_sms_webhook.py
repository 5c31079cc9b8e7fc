from bot.messages import Reply
from bot.services import services
from tests.support.engine import RecordingEngine
from tests.support.twilio import TwilioClient, messages_of, new_sid


def test_an_sms_is_answered_with_one_message(twilio: TwilioClient, engine: RecordingEngine) -> None:
    response = twilio.sms("+4915112345789", "chrgr wont start pls help")
    assert response.status_code == 200
    assert messages_of(response.data) == ["Which charger are you at? Reply 1 for Station 12."]
    (seen,) = engine.seen
    assert (seen.channel, seen.contact, seen.text) == ("sms", "+4915112345789", "chrgr wont start pls help")


def test_whatsapp_is_recognised_from_the_sender(twilio: TwilioClient, engine: RecordingEngine) -> None:
    response = twilio.sms("whatsapp:+4915112345789", "hi")
    assert messages_of(response.data) == ["Which charger are you at?\n1. Station 12"]
    assert engine.seen[0].channel == "whatsapp" and engine.seen[0].contact == "+4915112345789"


def test_a_duplicate_delivery_is_answered_with_empty_twiml(twilio: TwilioClient, engine: RecordingEngine) -> None:
    sid = new_sid("SM")
    first = twilio.sms("+4915112345789", "hello", sid=sid)
    again = twilio.sms("+4915112345789", "hello", sid=sid)
    assert len(messages_of(first.data)) == 1
    assert messages_of(again.data) == []


def test_unsigned_and_wrongly_signed_requests_are_refused_and_change_nothing(twilio: TwilioClient,
                                                                               engine: RecordingEngine) -> None:
    params = {"MessageSid": new_sid("SM"), "From": "+4915112345789", "Body": "hello"}
    assert twilio.post("/twilio/sms", params, sign=False).status_code == 403
    assert twilio.post("/twilio/sms", params, token="not-the-token").status_code == 403
    tampered = twilio.post("/twilio/sms", params)
    assert tampered.status_code == 200  # correctly signed passes
    forged = dict(params, Body="changed after signing")
    from twilio.request_validator import RequestValidator

    signature = RequestValidator("twilio-test-auth-token").compute_signature(
        "https://support.example.com/twilio/sms", params)
    response = twilio.client.post("/twilio/sms", data=forged, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert [m.text for m in engine.seen] == ["hello"]


def test_a_failing_core_still_gets_an_apology_not_a_500(twilio: TwilioClient, engine: RecordingEngine) -> None:
    engine.fail = True
    response = twilio.sms("+4915112345789", "my charger is broken")
    assert response.status_code == 200
    assert messages_of(response.data)[0].startswith("Sorry, something went wrong on our side.")


def test_stop_opts_out_and_help_is_answered(twilio: TwilioClient, engine: RecordingEngine) -> None:
    assert messages_of(twilio.sms("+4915112345789", "HELP").data)[0].startswith("ChargeLine charging support.")
    assert messages_of(twilio.sms("+4915112345789", "stop").data) == []
    assert messages_of(twilio.sms("+4915112345789", "START").data) == []
    assert engine.seen == []
    # "yes" is only an opt-in keyword for someone who opted out; otherwise the dialogue gets it
    twilio.sms("+4915112345789", "yes")
    assert [m.text for m in engine.seen] == ["yes"]


def test_long_answers_link_to_the_web_chat_with_the_charger(twilio: TwilioClient, engine: RecordingEngine) -> None:
    engine.replies = (Reply(text="Do this. " * 80),)
    (text,) = messages_of(twilio.sms("+4915112345789", "how do I start").data)
    assert text.endswith("More: https://support.example.com/chat?charger=CP-1042")
    assert len(text) <= 306


def test_messages_during_an_agent_takeover_get_no_bot_answer(twilio: TwilioClient, engine: RecordingEngine) -> None:
    engine.agent_mode = True
    assert messages_of(twilio.sms("+4915112345789", "are you there?").data) == []


def test_a_request_without_sender_is_a_400_with_empty_twiml(twilio: TwilioClient) -> None:
    response = twilio.post("/twilio/sms", {"MessageSid": new_sid("SM"), "Body": "x"})
    assert response.status_code == 400 and messages_of(response.data) == []


def test_a_flood_from_one_number_is_held_back(twilio: TwilioClient, engine: RecordingEngine) -> None:
    from bot.channels.ratelimit import ContactRateLimiter

    services(twilio.client.application).rate_limiter = ContactRateLimiter(limit=2)
    answers = [messages_of(twilio.sms("+4915112345789", f"msg {n}").data) for n in range(3)]
    assert answers[2] == ["You are sending messages very fast. Please wait a minute, then tell us what is happening."]
    assert [m.text for m in engine.seen] == ["msg 0", "msg 1"]
    assert len(messages_of(twilio.sms("+4915100000001", "other driver").data)) == 1


def test_with_redis_two_web_workers_hold_one_budget_per_number(runtime, redis_url_or_skip: str) -> None:  # type: ignore[no-untyped-def]
    import uuid

    from bot.channels.ratelimit import DEFAULT_LIMIT
    from bot.runtime import Runtime
    from tests.support.twilio import twilio_for

    shared = Runtime(runtime.settings.replace(redis_url=redis_url_or_skip), runtime.engine, runtime.sessions,
                     runtime.api_token, runtime.secret_key)
    engines = RecordingEngine(), RecordingEngine()
    workers = [twilio_for(shared, engine=e) for e in engines]  # two apps, as two gunicorn workers are
    driver = f"+4915{uuid.uuid4().int % 10**9:09d}"
    answers = [messages_of(workers[n % 2].sms(driver, f"msg {n}").data) for n in range(DEFAULT_LIMIT + 1)]
    assert all(len(a) == 1 and "very fast" not in a[0] for a in answers[:DEFAULT_LIMIT])
    assert answers[DEFAULT_LIMIT] == [
        "You are sending messages very fast. Please wait a minute, then tell us what is happening."]
    assert len(engines[0].seen) + len(engines[1].seen) == DEFAULT_LIMIT
