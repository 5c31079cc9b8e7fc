"""A phone call on the real conversation engine, the real bridge and a simulated charger.

The reset takes longer than the webhook's budget: the caller hears a hold message, Twilio follows the
Redirect to /twilio/voice/wait, and the answer comes from the finished turn; the status callback then
records that the bot resolved the call.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.channels.deferred import DeferredTurns
from bot.conversation.models import Conversation
from ivr import prompts
from ocpp_bridge.models import CommandAudit
from tests.bot.conversation.live import LiveStack
from tests.support.twilio import Call, twilio_for

pytestmark = [pytest.mark.slow]
FAULTED = pytest.mark.parametrize("live", [{"CP-2001": {"behaviour": "faulted_until_reset",
                                                        "error_code": "InternalError"}}],
                                  indirect=True, ids=["faulted_until_reset"])


def conversation(live: LiveStack) -> Conversation:
    with live.runtime.sessions() as session:
        (row,) = session.scalars(select(Conversation))
        return row


@FAULTED
def test_a_slow_reset_holds_the_caller_then_answers_and_the_call_ends_resolved(live: LiveStack) -> None:
    assert live.fleet is not None
    live.fleet["CP-2001"].reboot_delay = 1.5  # longer than the budget below, surely
    twilio = twilio_for(live.runtime, engine=live.engine, deferred=DeferredTurns(budget=0.5, wait_budget=10))
    call = Call(twilio)
    assert call.start() == [prompts.GREETING]
    offer = call.say("station 8 won't start")
    assert any("Station 8" in s for s in offer) and call.next_url is not None
    after_reset = call.press("1")  # yes, restart it
    assert after_reset[0] == prompts.HOLD
    assert any(s.startswith("Done. I restarted Station 8") for s in after_reset)
    assert call.next_url is not None and call.next_url.endswith("/twilio/voice/turn?n=3")
    with live.runtime.sessions() as session:
        assert [(r.action, r.verified) for r in session.scalars(select(CommandAudit))] == [("Reset", True)]
    assert any(s.startswith("Great, glad it's charging now.") for s in call.press("1"))
    response = twilio.post("/twilio/voice/status", call.params(CallStatus="completed", CallDuration="95"))
    assert response.status_code == 204
    ended = conversation(live)
    assert (ended.channel, ended.status, ended.outcome) == ("voice", "closed", "resolved_by_bot")


@FAULTED
def test_a_caller_who_hangs_up_during_the_diagnosis_is_recorded_as_abandoned(live: LiveStack) -> None:
    twilio = twilio_for(live.runtime, engine=live.engine)
    call = Call(twilio)
    call.start()
    call.say("station 8 won't start")
    twilio.post("/twilio/voice/status", call.params(CallStatus="completed"))
    assert conversation(live).outcome == "abandoned"


@FAULTED
def test_a_wait_answered_by_another_worker_reads_the_stored_replies(live: LiveStack) -> None:
    assert live.fleet is not None
    live.fleet["CP-2001"].reboot_delay = 1.5
    first = twilio_for(live.runtime, engine=live.engine, deferred=DeferredTurns(budget=0.5))
    other = twilio_for(live.runtime, engine=live.engine, deferred=DeferredTurns(budget=0.5, wait_budget=15))
    call = Call(first)
    call.start()
    call.say("station 8 won't start")
    held = first.post(call.next_url or "", call.params(Digits="1"))
    assert b"/twilio/voice/wait?n=2&amp;w=1" in held.data
    call.twilio = other  # gunicorn sends the redirect to the other worker process
    said = call._follow(other.post("/twilio/voice/wait?n=2&w=1", call.params()))
    assert any(s.startswith("Done. I restarted Station 8") for s in said)
