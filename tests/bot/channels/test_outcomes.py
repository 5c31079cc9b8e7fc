"""Text conversations have no hang-up: they are closed with their outcome when they idle out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.conversation.models import Conversation
from bot.conversation.state import DialogueState
from bot.conversation.store import IDLE_TIMEOUT, ConversationStore
from bot.messages import InboundMessage, Reply
from bot.runtime import Runtime

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DRIVER = "+4915112340002"


def turn(store: ConversationStore, text: str, at: datetime, state: DialogueState, n: int) -> None:
    recorded = store.record_inbound(InboundMessage(channel="sms", contact=DRIVER, text=text, delivery_id=f"SM{n}",
                                                   received_at=at), at)
    store.finish_turn(recorded.conversation_id, recorded.message_id, state, (Reply(text="OK."),), at)


def outcomes(runtime: Runtime) -> list[tuple[str, str | None]]:
    with runtime.sessions() as session:
        rows = session.scalars(select(Conversation).order_by(Conversation.started_at))
        return [(c.status, c.outcome) for c in rows]


def test_an_unfinished_conversation_expires_when_the_driver_writes_again_later(runtime: Runtime) -> None:
    store = ConversationStore(runtime.sessions)
    turn(store, "station 8 won't start", T0, DialogueState(intent="start_failure", topic="start_failure",
                                                           awaiting="confirm"), 1)
    later = T0 + IDLE_TIMEOUT + timedelta(minutes=1)
    turn(store, "hello again", later, DialogueState(), 2)
    assert outcomes(runtime) == [("closed", "expired"), ("open", None)]


def test_a_handed_off_text_conversation_is_closed_as_handed_off(runtime: Runtime) -> None:
    store = ConversationStore(runtime.sessions)
    turn(store, "it's smoking", T0, DialogueState(topic="safety_hazard", handed_off="T-000003"), 1)
    turn(store, "hi", T0 + IDLE_TIMEOUT * 2, DialogueState(), 2)
    assert outcomes(runtime)[0] == ("closed", "handed_off")


def test_an_explicit_outcome_is_kept_and_an_unknown_one_refused(runtime: Runtime) -> None:
    store = ConversationStore(runtime.sessions)
    turn(store, "how do I pay", T0, DialogueState(topic="payment_question"), 1)
    with runtime.sessions() as session:
        conversation_id = session.scalars(select(Conversation.id)).one()
    assert store.close(conversation_id, "transferred", T0) == "transferred"
    assert store.close(conversation_id, "resolved_by_bot", T0) == "transferred"  # the first one wins
    assert store.close("no-such-conversation", None, T0) is None
    with pytest.raises(ValueError, match="solved"):
        store.close(conversation_id, "solved", T0)
