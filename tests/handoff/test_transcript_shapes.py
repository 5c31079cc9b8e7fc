"""The JSON the conversation records turn into, pinned byte for byte: ticket transcripts (the helpdesk
webhook), console and takeover lines, the generated week's tickets and its metrics report."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import bot.web  # noqa: F401  (first: the console's modules reach each other through the app)
from bot.conversation.store import ConversationStore
from bot.messages import InboundMessage, Reply
from bot.outbound import Outbound
from bot.runtime import Runtime
from handoff.console.queue import messages_after
from handoff.history_gen import generate_history
from handoff.metrics import Window, compute_all
from handoff.models import Ticket
from handoff.takeover import Takeover

AT = datetime(2026, 11, 22, 20, 0, 5, tzinfo=UTC)
NOW = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)


def _conversation(runtime: Runtime) -> str:
    store = ConversationStore(runtime.sessions)
    recorded = store.record_inbound(InboundMessage(channel="sms", contact="+4915112345678", text="it won't start",
                                                   delivery_id="d-1", received_at=AT), AT)
    store.finish_turn(recorded.conversation_id, recorded.message_id, recorded.state,
                      (Reply(text="I restarted it."),), AT + timedelta(seconds=2))
    return recorded.conversation_id


def test_a_ticket_transcript_keeps_its_lines_and_offset(runtime: Runtime) -> None:
    conversation_id = _conversation(runtime)
    lines = ConversationStore(runtime.sessions).transcript(conversation_id)
    assert json.dumps(lines) == (
        '[{"from": "driver", "text": "it won\'t start", "at": "2026-11-22T20:00:05+00:00"}, '
        '{"from": "bot", "text": "I restarted it.", "at": "2026-11-22T20:00:07+00:00"}]')


def test_console_and_takeover_lines_keep_their_shape(runtime: Runtime) -> None:
    conversation_id = _conversation(runtime)
    takeover = Takeover(runtime.sessions, Outbound(), clock=lambda: AT + timedelta(seconds=9))
    takeover.take_over(conversation_id, "Sam")
    with runtime.sessions() as session:
        console = messages_after(session, conversation_id, 1)
    lines = takeover.messages_since(conversation_id, 1)
    assert json.dumps(console) == (
        '[{"id": 2, "from": "bot", "text": "I restarted it.", "at": "2026-11-22T20:00:07Z"}, '
        '{"id": 3, "from": "bot", "text": "Sam from support has joined the conversation.", '
        '"at": "2026-11-22T20:00:14Z"}]')
    assert json.dumps(lines) == (
        '[{"id": 2, "from": "bot", "text": "I restarted it.", "at": "2026-11-22T20:00:07Z"}, '
        '{"id": 3, "from": "bot", "text": "Sam from support has joined the conversation.", '
        '"at": "2026-11-22T20:00:14Z", "agent": "Sam", "event": "agent_joined"}]')


def test_the_generated_week_and_its_report_stay_the_same(fleet: Runtime) -> None:
    with fleet.sessions() as session:
        generate_history(session, now=NOW, seed=3, contacts_per_day=12)
        session.commit()
        report = compute_all(session, Window(NOW - timedelta(days=7), NOW), now=NOW)
        transcripts = [t.transcript for t in session.query(Ticket).order_by(Ticket.id)]
    assert transcripts[0] == [
        {"from": "driver", "text": "hello", "at": transcripts[0][0]["at"]},
        {"from": "bot", "text": "Hi, I'm the ChargeLine assistant.", "at": transcripts[0][0]["at"]},
        transcripts[0][2], transcripts[0][3]]
    assert transcripts[0][0]["at"].endswith("Z")
    digest = hashlib.sha256(json.dumps([report, transcripts], sort_keys=True).encode()).hexdigest()
    assert digest == "fcd014c6e2103aa45b200db82eb704ced40af089fcc2ea410fd861b68758f601"
