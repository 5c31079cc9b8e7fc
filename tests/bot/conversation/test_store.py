"""Conversations persist: keyed by channel + contact, expiring, resumable, each delivery processed once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.conversation.engine import ConversationEngine
from bot.conversation.models import Conversation, ConversationMessage
from bot.conversation.store import ConversationStore
from bot.messages import InboundMessage
from bot.runtime import Runtime
from tests.bot.conversation.conftest import Clock
from tests.bot.conversation.fakes import (
    FakeBridge,
    FakeKnowledge,
    FakeNLU,
    FakePolicy,
    FakeTickets,
)


def make_engine(rt: Runtime, clock: Clock, nlu: FakeNLU | None = None, bridge: FakeBridge | None = None,
                tickets: FakeTickets | None = None) -> ConversationEngine:
    return ConversationEngine(rt.sessions, nlu or FakeNLU(), bridge or FakeBridge(), FakeKnowledge(), FakePolicy(),
                              None, tickets or FakeTickets(), clock=clock)


def message(text: str, delivery: str, clock: Clock, contact: str = "+4915100000001", **extra: object) -> InboundMessage:
    return InboundMessage(channel="sms", contact=contact, text=text, delivery_id=delivery,
                          received_at=clock(), **extra)  # type: ignore[arg-type]


def stored(rt: Runtime, conversation_id: str) -> list[tuple[str, str]]:
    with rt.sessions() as session:
        rows = session.scalars(select(ConversationMessage).where(
            ConversationMessage.conversation_id == conversation_id).order_by(ConversationMessage.id))
        return [(r.direction, r.text) for r in rows]


def test_the_same_driver_continues_one_conversation_until_it_goes_idle(fleet_runtime: Runtime) -> None:
    clock = Clock()
    engine = make_engine(fleet_runtime, clock)
    first = engine.handle(message("hi", "m1", clock))
    clock.advance(minutes=10)
    second = engine.handle(message("thanks", "m2", clock))
    clock.advance(minutes=31)
    third = engine.handle(message("hi", "m3", clock))
    other = engine.handle(message("hi", "m4", clock, contact="+4915100000002"))
    assert first.conversation_id == second.conversation_id
    assert third.conversation_id != first.conversation_id
    assert other.conversation_id not in (first.conversation_id, third.conversation_id)
    with fleet_runtime.sessions() as session:
        old = session.get(Conversation, first.conversation_id)
        assert old is not None and old.status == "closed"


def test_a_restarted_engine_resumes_the_open_question_from_the_database(fleet_runtime: Runtime) -> None:
    clock = Clock()
    bridge = FakeBridge()
    from tests.bot.conversation.fakes import connector, snapshot

    bridge.snapshots["CP-2001"] = snapshot("CP-2001", "Station 8", [connector(1, "Type 2", 22)])
    asked = make_engine(fleet_runtime, clock, bridge=bridge).handle(message("the charger won't start", "m1", clock))
    assert "Which charger" in asked.replies[0].text
    restarted = make_engine(fleet_runtime, clock, bridge=bridge)  # a new web process: nothing in memory
    answered = restarted.handle(message("station 8", "m2", clock))
    assert answered.conversation_id == asked.conversation_id
    assert "Station 8" in answered.replies[0].text and "online" in answered.replies[0].text


def test_a_duplicate_delivery_is_processed_once(fleet_runtime: Runtime) -> None:
    clock = Clock()
    engine = make_engine(fleet_runtime, clock)
    first = engine.handle(message("hi", "SM123", clock))
    again = engine.handle(message("hi", "SM123", clock))
    assert first.duplicate is False and first.replies
    assert again.duplicate is True and again.replies == ()
    assert again.conversation_id == first.conversation_id
    assert [d for d, _ in stored(fleet_runtime, first.conversation_id)].count("in") == 1


def test_concurrent_duplicate_deliveries_are_processed_once(fleet_runtime: Runtime) -> None:
    clock = Clock()
    engine = make_engine(fleet_runtime, clock)
    barrier = threading.Barrier(6)
    results = []

    def deliver() -> None:
        barrier.wait()
        results.append(engine.handle(message("hi", "SM-race", clock)))

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6
    assert sum(1 for r in results if not r.duplicate) == 1
    assert all(r.replies == () for r in results if r.duplicate)
    with fleet_runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ConversationMessage).where(
            ConversationMessage.delivery_id == "SM-race")) == 1
        assert session.scalar(select(func.count()).select_from(Conversation)) == 1


def test_the_drivers_words_are_kept_when_processing_fails(fleet_runtime: Runtime) -> None:
    clock = Clock()
    nlu = FakeNLU()
    nlu.broken = True
    tickets = FakeTickets()
    result = make_engine(fleet_runtime, clock, nlu=nlu, tickets=tickets).handle(
        message("my card keeps getting refused", "m1", clock))
    assert result.replies and "Sorry, something went wrong" in result.replies[0].text
    assert result.replies[-1].handoff is not None and result.replies[-1].handoff.ticket_id == "T-000001"
    assert ("in", "my card keeps getting refused") in stored(fleet_runtime, result.conversation_id)
    assert tickets.drafts[0]["transcript"][0]["text"] == "my card keeps getting refused"


def test_a_database_failure_still_gets_an_apology(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.db import make_engine as make_db
    from bot.db import make_session_factory

    db = make_db(f"sqlite:///{tmp_path / 'empty.db'}")  # no tables: every write fails
    try:
        engine = ConversationEngine(make_session_factory(db), FakeNLU(), FakeBridge(), FakeKnowledge(),
                                    FakePolicy(), None, FakeTickets(), clock=Clock())
        result = engine.handle(message("hello", "m1", Clock()))
        assert result.replies[0].text.startswith("Sorry, something went wrong")
    finally:
        db.dispose()


def test_in_agent_mode_the_message_is_stored_for_the_agent_and_the_bot_stays_quiet(fleet_runtime: Runtime) -> None:
    clock = Clock()
    engine = make_engine(fleet_runtime, clock)
    first = engine.handle(message("hi", "m1", clock))
    ConversationStore(fleet_runtime.sessions).set_mode(first.conversation_id, "agent")
    taken = engine.handle(message("are you there?", "m2", clock))
    assert taken.agent_mode is True and taken.replies == ()
    assert stored(fleet_runtime, first.conversation_id)[-1] == ("in", "are you there?")


def test_the_transcript_holds_both_sides_in_order(fleet_runtime: Runtime) -> None:
    clock = Clock()
    engine = make_engine(fleet_runtime, clock)
    result = engine.handle(message("hi", "m1", clock))
    rows = ConversationStore(fleet_runtime.sessions).transcript(result.conversation_id)
    assert [r["from"] for r in rows] == ["driver", "bot"]
    assert rows[0]["text"] == "hi" and rows[1]["text"].startswith("Hi, I'm the charging support assistant")
    assert datetime.fromisoformat(rows[0]["at"]) == datetime(2026, 11, 22, 22, 0, tzinfo=UTC)


def test_idle_conversations_are_closed_by_the_sweep_with_their_outcome(fleet_runtime: Runtime) -> None:
    clock = Clock()
    engine = make_engine(fleet_runtime, clock)
    left = engine.handle(message("the charger won't start", "m1", clock))  # asked which charger; no answer
    clock.advance(minutes=20)
    recent = engine.handle(message("the charger won't start", "m2", clock, contact="+4915100000002"))
    held = engine.handle(message("the charger won't start", "m3", clock, contact="+4915100000003"))
    engine.store.set_mode(held.conversation_id, "agent")
    clock.advance(minutes=11)

    assert engine.store.close_idle(clock()) == 1
    assert engine.store.close_idle(clock()) == 0  # a second sweep finds nothing left
    with fleet_runtime.sessions() as session:
        rows = {c.id: (c.status, c.outcome) for c in session.scalars(select(Conversation))}
    assert rows[left.conversation_id] == ("closed", "expired")
    assert rows[recent.conversation_id] == ("open", None)  # 11 minutes idle
    assert rows[held.conversation_id] == ("open", None)  # an agent holds it
    clock.advance(minutes=1)
    again = engine.handle(message("station 8", "m4", clock))  # the driver comes back: a new conversation
    assert again.conversation_id != left.conversation_id


def test_a_stored_reply_keeps_its_sms_words_and_spoken_choices() -> None:
    from bot.conversation.store import _reply_from, _reply_payload
    from bot.messages import Choice, Reply

    reply = Reply(text="Which connector?", voice_text="Which connector are you using?", sms_text="Which plug?",
                  key_in="the connector number",
                  choices=(Choice("Connector 1 (CCS2)", "connector:1", "1", spoken="connector 1, the CCS2"),
                           Choice("Connector 2", "connector:2", "2")))
    assert _reply_from(reply.text, _reply_payload(reply)) == reply
