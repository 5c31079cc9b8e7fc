"""Twilio's call status callback closes the call's conversation with its outcome (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.conversation.models import Conversation
from bot.conversation.state import DialogueState
from bot.conversation.store import ConversationStore
from bot.messages import Handoff, InboundMessage, Reply
from bot.runtime import Runtime
from tests.support.twilio import TwilioClient, new_sid

CALLER = "+4915112345789"
T0 = datetime.now(UTC) - timedelta(minutes=2)


def call_with(runtime: Runtime, state: DialogueState, replies: tuple[Reply, ...] = (Reply(text="OK."),)) -> str:
    """A call that had one turn ending in `state`; returns its CallSid."""
    store = ConversationStore(runtime.sessions)
    sid = new_sid("CA")
    recorded = store.record_inbound(InboundMessage(channel="voice", contact=CALLER, text="station 8 won't start",
                                                   delivery_id=f"{sid}:1", received_at=T0), T0)
    store.finish_turn(recorded.conversation_id, recorded.message_id, state, replies, T0)
    return sid


def status(twilio: TwilioClient, sid: str, call_status: str = "completed", **extra: str):  # type: ignore[no-untyped-def]
    return twilio.post("/twilio/voice/status", {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": CALLER,
                                                "To": "+4930111222", "CallStatus": call_status, **extra})


def conversation(runtime: Runtime) -> Conversation:
    with runtime.sessions() as session:
        (row,) = session.query(Conversation).all()
        return row


@pytest.mark.parametrize(("state", "replies", "outcome"), [
    (DialogueState(topic="start_failure", charger_id="CP-2001"), (Reply(text="Great, glad it's charging now."),),
     "resolved_by_bot"),
    (DialogueState(topic="start_failure", handed_off="T-000007", ticket_id="T-000007"),
     (Reply(text="Passing you on.", handoff=Handoff("T-000007", "tier2", "still broken", "P2")),), "transferred"),
    (DialogueState(intent="start_failure", topic="start_failure", awaiting="confirm"),
     (Reply(text="Shall I restart it?"),), "abandoned"),
], ids=["resolved", "transferred", "hung_up_mid_flow"])
def test_the_end_of_a_call_closes_its_conversation_with_the_outcome(
        runtime: Runtime, twilio: TwilioClient, state: DialogueState, replies: tuple[Reply, ...], outcome: str) -> None:
    sid = call_with(runtime, state, replies)
    response = status(twilio, sid, CallDuration="42")
    assert response.status_code == 204
    closed = conversation(runtime)
    assert (closed.status, closed.outcome) == ("closed", outcome)
    assert closed.closed_at is not None


def test_a_repeated_status_callback_is_processed_once(runtime: Runtime, twilio: TwilioClient) -> None:
    sid = call_with(runtime, DialogueState(intent="start_failure", topic="start_failure", awaiting="charger"))
    assert status(twilio, sid).status_code == 204
    first = conversation(runtime)
    with runtime.sessions() as session, session.begin():  # a later reading would say otherwise
        session.get(Conversation, first.id).ticket_id = "T-000009"  # type: ignore[union-attr]
    assert status(twilio, sid).status_code == 204
    again = conversation(runtime)
    assert (again.outcome, again.closed_at) == ("abandoned", first.closed_at)


def test_a_call_still_in_progress_changes_nothing(runtime: Runtime, twilio: TwilioClient) -> None:
    sid = call_with(runtime, DialogueState(topic="start_failure"))
    assert status(twilio, sid, "in-progress").status_code == 204
    assert (conversation(runtime).status, conversation(runtime).outcome) == ("open", None)


def test_a_call_that_never_reached_the_bot_is_acknowledged(twilio: TwilioClient) -> None:
    for call_status in ("busy", "no-answer", "failed", "canceled", "completed"):
        assert status(twilio, new_sid("CA"), call_status).status_code == 204


def test_unsigned_or_incomplete_status_callbacks_are_refused(runtime: Runtime, twilio: TwilioClient) -> None:
    sid = call_with(runtime, DialogueState(topic="start_failure"))
    params = {"CallSid": sid, "CallStatus": "completed"}
    assert twilio.post("/twilio/voice/status", params, sign=False).status_code == 403
    assert twilio.post("/twilio/voice/status", params, token="not-the-token").status_code == 403
    assert twilio.post("/twilio/voice/status", {"CallSid": sid}).status_code == 400
    assert (conversation(runtime).status, conversation(runtime).outcome) == ("open", None)


def test_a_hang_up_during_a_running_turn_lets_that_turn_decide(runtime: Runtime, twilio: TwilioClient) -> None:
    store = ConversationStore(runtime.sessions)
    sid = new_sid("CA")
    running = store.record_inbound(InboundMessage(channel="voice", contact=CALLER, text="it is smoking",
                                                  delivery_id=f"{sid}:1", received_at=T0), T0)
    assert status(twilio, sid).status_code == 204
    assert (conversation(runtime).status, conversation(runtime).outcome) == ("closed", None)
    handed = DialogueState(topic="safety_hazard", handed_off="T-000011", ticket_id="T-000011")
    store.finish_turn(running.conversation_id, running.message_id, handed,
                      (Reply(text="A colleague will call you back.",
                             handoff=Handoff("T-000011", "field_engineering", "smoke", "P1")),), T0)
    closed = conversation(runtime)
    assert (closed.status, closed.outcome) == ("closed", "transferred") and closed.closed_at is not None
