"""SMS on the real conversation engine, the real bridge and a simulated charger: a fault fixed by a reset.

Twilio plays its part at the HTTP boundary only: signed webhooks in, TwiML out, and the REST API for
replies sent after the webhook has answered (a local HTTP server at TWILIO_API_URL).
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from bot.channels.deferred import DeferredTurns
from bot.channels.twilio_rest import TwilioSender
from bot.channels.web import CHECKING
from bot.conversation.models import Conversation
from ocpp_bridge.models import CommandAudit
from tests.bot.conversation.live import LiveStack
from tests.support.twilio import messages_of, twilio_for
from tests.support.twilio_rest import ACCOUNT_SID, AUTH_TOKEN, TwilioRestServer

pytestmark = [pytest.mark.slow]
DRIVER = "+4915112340001"
OUR_NUMBER = "+4930111222"
FAULTED = pytest.mark.parametrize("live", [{"CP-2001": {"behaviour": "faulted_until_reset",
                                                        "error_code": "InternalError"}}],
                                  indirect=True, ids=["faulted_until_reset"])


def audit(live: LiveStack) -> list[tuple[str, str, bool | None]]:
    with live.runtime.sessions() as session:
        rows = session.scalars(select(CommandAudit).order_by(CommandAudit.id))
        return [(r.action, r.status, r.verified) for r in rows]


def texted(api: TwilioRestServer, count: int, timeout: float = 30) -> list[dict[str, str]]:
    """Wait (bounded) until the REST API has received `count` messages."""
    deadline = time.monotonic() + timeout
    while len(api.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(api.messages) >= count, api.messages
    return api.messages


@FAULTED
def test_a_faulted_charger_is_recovered_by_a_reset_over_sms(live: LiveStack) -> None:
    twilio = twilio_for(live.runtime, engine=live.engine)
    (diagnosis,) = messages_of(twilio.sms(DRIVER, "station 8 won't start").data)
    assert "Station 8" in diagnosis and "fault" in diagnosis and "Shall I do it?" in diagnosis
    (done,) = messages_of(twilio.sms(DRIVER, "1").data)  # "Reply 1 for Yes"
    assert done.startswith("Done: I restarted Station 8 and it now reports ready.")
    assert audit(live) == [("Reset", "Accepted", True)]
    (glad,) = messages_of(twilio.sms(DRIVER, "yes it works now").data)
    assert glad.startswith("Great, glad it's charging now.")


@FAULTED
def test_a_reset_slower_than_the_webhook_budget_is_texted_when_done(live: LiveStack,
                                                                    twilio_api: TwilioRestServer) -> None:
    assert live.fleet is not None
    live.fleet["CP-2001"].reboot_delay = 1.5  # the reset now takes longer than the budget, surely
    sender = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, api_url=twilio_api.url, timeout=5)
    twilio = twilio_for(live.runtime, engine=live.engine, twilio_sender=sender, deferred=DeferredTurns(budget=0.5))

    def converse(text: str) -> list[str]:
        """What the driver reads: the TwiML answer, or the texts that follow a 'checking' note."""
        answer = messages_of(twilio.sms(DRIVER, text, to=OUR_NUMBER).data)
        if answer != [CHECKING]:
            return answer
        return [texted(twilio_api, len(twilio_api.messages) + 1)[-1]["Body"]]

    assert "Shall I do it?" in converse("station 8 won't start")[0]
    before = len(twilio_api.messages)
    assert messages_of(twilio.sms(DRIVER, "yes", to=OUR_NUMBER).data) == [CHECKING]
    later = texted(twilio_api, before + 1)[before]
    assert (later["To"], later["From"]) == (DRIVER, OUR_NUMBER)
    assert later["Body"].startswith("Done: I restarted Station 8 and it now reports ready.")
    assert audit(live) == [("Reset", "Accepted", True)]
    assert converse("yes it works now")[0].startswith("Great, glad it's charging now.")
    assert len(twilio_api.messages) <= before + 2  # the late reply was sent once
    with live.runtime.sessions() as session:
        (conversation,) = session.scalars(select(Conversation))
        assert conversation.channel == "sms" and conversation.outcome is None  # open until it idles out


@FAULTED
def test_a_driver_who_sends_stop_during_a_slow_turn_is_not_texted_its_result(live: LiveStack,
                                                                           twilio_api: TwilioRestServer) -> None:
    assert live.fleet is not None
    live.fleet["CP-2001"].reboot_delay = 1.5
    sender = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, api_url=twilio_api.url, timeout=5)
    deferred = DeferredTurns(budget=0.5)
    twilio = twilio_for(live.runtime, engine=live.engine, twilio_sender=sender, deferred=deferred)
    assert "Shall I do it?" in messages_of(twilio.sms(DRIVER, "station 8 won't start", to=OUR_NUMBER).data)[0]
    assert messages_of(twilio.sms(DRIVER, "yes", to=OUR_NUMBER).data) == [CHECKING]
    assert messages_of(twilio.sms(DRIVER, "STOP", to=OUR_NUMBER).data) == []  # Twilio confirms opt-outs itself
    deferred.shutdown()  # waits for the reset turn to finish and for its delivery step
    assert audit(live) == [("Reset", "Accepted", True)]  # the fix went ahead; only the text is withheld
    assert twilio_api.messages == []
