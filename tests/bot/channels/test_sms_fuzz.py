"""Fuzz the SMS/WhatsApp webhook with signed forms Twilio could send (and some it never would).

Whatever the form holds, the webhook answers with TwiML Twilio can follow (never a 5xx and its stack
trace), each reply within Twilio's 1,600-character limit, no apology (nothing failed inside: a NUL that
PostgreSQL cannot store used to cost the message), and a second delivery of the same MessageSid is never
answered or stored twice (a rate-limited retry used to get "you are sending messages very fast"). The real engine and NLU answer; no bridge runs, so live-state
questions meet the "can't reach the charger" path too. The example count is bounded to keep
`make test` quick.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.conversation.models import ConversationMessage
from bot.runtime import Runtime
from bot.services import services
from tests.support.twilio import TwilioClient, twilio_for

pytestmark = [pytest.mark.slow]
_numbers = itertools.count(1)

# text a driver's phone, a carrier or a broken gateway could put in Body
TRICKY = ["", " ", "STOP", "stop ", "HELP", "START", "\x00", "\u202e\u202d", "<Response><Dial>+1</Dial></Response>",
          "]]><Say>hi</Say>", "&amp;&lt;", "station 1" * 300, "\ufeffcharger 3 broken", "😡😡😡 wont start",
          "%s%s%n", "{{7*7}}", "\r\n\r\n", "ü" * 1700, "1", "yes", "99999999999999999999"]
bodies = st.one_of(st.sampled_from(TRICKY),
                   st.text(st.characters(blacklist_categories=("Cs",)), max_size=400),
                   st.text(alphabet="abcdefghijklmnopqrstuvwxyz 0123456789?!.,'", max_size=200))
senders = st.one_of(st.builds(lambda n: f"+4915{n:09d}", st.integers(0, 10**9 - 1)),
                    st.builds(lambda n: f"whatsapp:+4917{n:08d}", st.integers(0, 10**8 - 1)),
                    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
extras = st.dictionaries(
    st.sampled_from(["NumMedia", "MediaUrl0", "MediaContentType0", "ButtonPayload", "ButtonText", "FromCity",
                     "ProfileName", "WaId", "SmsStatus", "NumSegments", "Latitude", "Longitude"]),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=60), max_size=4)


@pytest.fixture
def real_twilio(runtime: Runtime, trained_nlu: Any) -> TwilioClient:
    from bench._system import free_port
    from bot.conversation.factory import build_engine

    engine = build_engine(runtime, bridge_url=f"http://127.0.0.1:{free_port()}", nlu=trained_nlu, bridge_timeout=1,
                          freeze_gc=False)
    return twilio_for(runtime, engine=engine)


def _replies(body: bytes) -> list[str]:
    root = ET.fromstring(body)  # an unparseable answer fails the example here
    assert root.tag == "Response"
    assert {child.tag for child in root} <= {"Message"}
    return [(m.text or "") for m in root.iter("Message")]


def _stored(runtime: Runtime, sid: str) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(ConversationMessage).where(
            ConversationMessage.direction == "in", ConversationMessage.delivery_id == sid)) or 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, sender=senders, extra=extras, odd_sid=st.one_of(st.none(), st.text(max_size=80)))
@example(body="station 1\x00 wont start", sender="+4915100000001", extra={}, odd_sid=None)
@example(body="ü" * 1700, sender="whatsapp:+4917100000002", extra={"NumMedia": "-1"}, odd_sid=None)
@example(body="hello", sender="+4915100000003", extra={}, odd_sid="")
def test_any_signed_form_gets_twiml_and_a_second_delivery_changes_nothing(
        real_twilio: TwilioClient, runtime: Runtime, body: str, sender: str, extra: dict[str, str],
        odd_sid: str | None) -> None:
    sid = odd_sid if odd_sid is not None else f"SMfuzz{next(_numbers):026x}"
    params = {"MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": sender, "To": "+4930111222", "Body": body,
              **extra}
    first = real_twilio.post("/twilio/sms", params)
    assert first.status_code in (200, 400), first.data[:300]
    replies = _replies(first.data)
    assert all(0 < len(text) <= 1600 for text in replies), replies
    assert not any(text.startswith("Sorry, something went wrong") for text in replies)  # nothing failed inside
    stored = _stored(runtime, sid.replace("\x00", ""))
    assert stored <= 1
    again = real_twilio.post("/twilio/sms", params)
    assert again.status_code == first.status_code
    if stored:
        assert _replies(again.data) == []  # the driver is not answered twice for one message
        assert _stored(runtime, sid.replace("\x00", "")) == 1


def test_twilios_retry_of_an_answered_message_is_not_answered_again_when_the_number_is_held_back(
        real_twilio: TwilioClient, runtime: Runtime) -> None:
    from bot.channels.ratelimit import ContactRateLimiter

    services(real_twilio.client.application).rate_limiter = ContactRateLimiter(limit=1)
    sid = "SMretry" + "0" * 27
    assert len(_replies(real_twilio.sms("+4915112345789", "station 3 broken", sid=sid).data)) == 1
    assert _replies(real_twilio.sms("+4915112345789", "station 3 broken", sid=sid).data) == []
    assert _stored(runtime, sid) == 1
    # a new message from the held-back number is still told to slow down
    assert _replies(real_twilio.sms("+4915112345789", "hello?").data)[0].startswith("You are sending messages")
