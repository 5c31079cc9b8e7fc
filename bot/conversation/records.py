"""Conversation records for everyone outside the dialogue: the queries handoff and the IVR ask, by what they answer.

Each function takes the caller's session, so it runs in the caller's transaction (an incident check under its
lock, a diagnosis reading a charger's history, an agent's takeover). What comes back is a frozen record, never a
table row; `ConversationStore` is the dialogue's own side of the same tables. One speaker map and one transcript
line serve the ticket, the console and the takeover.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from bot.clock import as_utc, iso
from bot.conversation.models import Conversation, ConversationMessage
from bot.fleet.models import Charger

# who said a stored message, by its direction
SPEAKERS = {"in": "driver", "out": "bot", "agent": "agent"}
CHUNK = 500  # ids per IN (...) list, well under every database's limit on bound parameters


@dataclass(frozen=True)
class ConversationRecord:
    """One conversation as the rest of the project sees it (no dialogue state)."""

    id: str
    channel: str
    contact: str
    mode: str
    status: str
    agent: str | None
    started_at: datetime
    last_activity_at: datetime
    charger_id: str | None
    ticket_id: str | None
    outcome: str | None

    @property
    def holder(self) -> str | None:
        """The agent holding the conversation while it is in agent mode."""
        return self.agent if self.mode == "agent" else None


@dataclass(frozen=True)
class MessageRecord:
    """One stored message, in or out."""

    id: int | None
    direction: str  # "in" (driver), "out" (bot), "agent"
    text: str
    at: datetime
    intent: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Complaint:
    """A conversation in which a driver reported a problem: who, on which channel, about which charger and site."""

    conversation_id: str
    channel: str
    contact: str
    charger_id: str | None
    site_id: str | None


def speaker(direction: str) -> str:
    """Who said a message of this direction: driver, bot or agent."""
    return SPEAKERS.get(direction, direction)


def transcript_line(message: MessageRecord, *, with_id: bool = True, with_marks: bool = False,
                    zulu: bool = True) -> dict[str, Any]:
    """One transcript line: {id, from, text, at}, plus the agent and event marks of its payload when asked.

    A ticket's transcript (the helpdesk webhook) has no id and writes its time as +00:00, as it always has;
    the console's lines carry the id and a Z.
    """
    at = iso(message.at) if zulu else as_utc(message.at).isoformat()
    line: dict[str, Any] = {"id": message.id} if with_id else {}
    line |= {"from": speaker(message.direction), "text": message.text, "at": at}
    if with_marks:
        for key in ("agent", "event"):
            if message.payload.get(key):
                line[key] = message.payload[key]
    return line


def conversation(session: Session, conversation_id: str) -> ConversationRecord | None:
    """The conversation with this id, or None."""
    row = session.get(Conversation, conversation_id)
    return _conversation(row) if row is not None else None


def messages_after(session: Session, conversation_id: str, after_id: int = 0,
                   limit: int | None = None) -> list[MessageRecord]:
    """The conversation's messages with an id above `after_id`, oldest first (at most `limit`)."""
    query = (select(ConversationMessage).where(ConversationMessage.conversation_id == conversation_id,
                                               ConversationMessage.id > after_id)
             .order_by(ConversationMessage.id))
    return [_message(row) for row in session.scalars(query.limit(limit) if limit is not None else query)]


def claim_for_agent(session: Session, conversation_id: str, agent: str, now: datetime) -> tuple[bool, ConversationRecord]:
    """Switch the conversation to `agent` unless an agent holds it; (whether this call won, the conversation after)."""
    # a conditional UPDATE decides between two agents clicking at once, on SQLite and PostgreSQL alike
    won = cast("CursorResult[Any]", session.execute(
        update(Conversation).where(Conversation.id == conversation_id, Conversation.mode != "agent")
        .values(mode="agent", agent=agent, last_activity_at=now)
        .execution_options(synchronize_session=False))).rowcount
    row = session.get(Conversation, conversation_id, populate_existing=True)
    if row is None:
        raise LookupError(conversation_id)
    return bool(won), _conversation(row)


def release(session: Session, conversation_id: str) -> None:
    """Give the conversation back to the bot."""
    session.execute(update(Conversation).where(Conversation.id == conversation_id).values(mode="bot", agent=None)
                    .execution_options(synchronize_session=False))


def touch(session: Session, conversation_id: str, now: datetime, *, agent: str | None = None) -> None:
    """Mark the conversation active at `now`, and record `agent` as its holder when given."""
    values: dict[str, Any] = {"last_activity_at": now} | ({"agent": agent} if agent is not None else {})
    session.execute(update(Conversation).where(Conversation.id == conversation_id).values(**values)
                    .execution_options(synchronize_session=False))


def add_message(session: Session, conversation: ConversationRecord, direction: str, text: str, at: datetime,
                payload: dict[str, Any]) -> int:
    """Store a message sent outside a bot turn (an agent's words, a join notice); its id."""
    row = ConversationMessage(conversation_id=conversation.id, channel=conversation.channel, delivery_id=None,
                              direction=direction, text=text, at=at, processed=True, payload=payload)
    session.add(row)
    session.flush()
    return row.id


def note_on_message(session: Session, message_id: int, notes: dict[str, Any]) -> None:
    """Add `notes` to a stored message's payload (how its delivery went); nothing when it is gone."""
    row = session.get(ConversationMessage, message_id)
    if row is not None:
        row.payload = {**(row.payload or {}), **notes}


def add_conversation(session: Session, messages: Iterable[dict[str, Any]], **columns: Any) -> None:
    """Write a whole conversation and its messages (generated history); `messages` hold a message's columns."""
    session.add(Conversation(**columns))
    session.flush()
    for values in messages:
        session.add(ConversationMessage(conversation_id=columns["id"], channel=columns["channel"], **values))


def first_failure_reports(session: Session, charger_id: str, intents: Iterable[str], since: datetime,
                          until: datetime) -> dict[str, datetime]:
    """Conversation id -> the driver's first message with one of `intents` about this charger in [since, until]."""
    rows = session.execute(  # one row per conversation, not one per message (busy chargers have many)
        select(ConversationMessage.conversation_id, func.min(ConversationMessage.at))
        .join(Conversation, Conversation.id == ConversationMessage.conversation_id)
        .where(Conversation.charger_id == charger_id, ConversationMessage.direction == "in",
               ConversationMessage.intent.in_(tuple(intents)), ConversationMessage.at >= since,
               ConversationMessage.at <= until)
        .group_by(ConversationMessage.conversation_id))
    return {conversation_id: as_utc(at) for conversation_id, at in rows}


def complaints(session: Session, intents: Iterable[str], since: datetime, until: datetime) -> list[Complaint]:
    """Conversations where a driver complained of these problems in [since, until] (with or without a ticket)."""
    rows = session.execute(
        select(Conversation.id, Conversation.channel, Conversation.contact, Conversation.charger_id, Charger.site_id)
        .join(ConversationMessage, ConversationMessage.conversation_id == Conversation.id)
        .outerjoin(Charger, Charger.id == Conversation.charger_id)
        .where(ConversationMessage.direction == "in", ConversationMessage.intent.in_(tuple(intents)),
               ConversationMessage.at >= since, ConversationMessage.at <= until)
        .distinct())
    return [Complaint(*row) for row in rows]


def started_between(session: Session, since: datetime, until: datetime,
                    channel: str | None = None) -> list[ConversationRecord]:
    """Conversations started in [since, until), of one channel when given."""
    query = select(Conversation).where(Conversation.started_at >= since, Conversation.started_at < until)
    if channel:
        query = query.where(Conversation.channel == channel)
    return [_conversation(row) for row in session.scalars(query)]


def messages_of(session: Session, conversation_ids: list[str]) -> dict[str, list[MessageRecord]]:
    """Each conversation's messages in the order they were said (time, then id)."""
    messages: dict[str, list[MessageRecord]] = defaultdict(list)
    for chunk in _chunks(conversation_ids):
        for row in session.scalars(select(ConversationMessage).where(ConversationMessage.conversation_id.in_(chunk))
                                   .order_by(ConversationMessage.at, ConversationMessage.id)):
            messages[row.conversation_id].append(_message(row))
    return messages


def starts_after(session: Session, after: datetime, until: datetime) -> list[tuple[str, str, datetime]]:
    """(channel, contact, started_at) of every conversation started in (after, until]."""
    return [(channel, contact, as_utc(started)) for channel, contact, started in session.execute(
        select(Conversation.channel, Conversation.contact, Conversation.started_at)
        .where(Conversation.started_at > after, Conversation.started_at <= until))]


def first_agent_messages(session: Session, conversation_ids: list[str]) -> dict[str, datetime]:
    """Conversation id -> when an agent first wrote in it (conversations with no agent message left out)."""
    said: dict[str, datetime] = {}
    for chunk in _chunks(conversation_ids):
        for cid, at in session.execute(select(ConversationMessage.conversation_id, func.min(ConversationMessage.at))
                                       .where(ConversationMessage.conversation_id.in_(chunk),
                                              ConversationMessage.direction == "agent")
                                       .group_by(ConversationMessage.conversation_id)):
            said[cid] = as_utc(at)
    return said


def conversations_by_channel(session: Session) -> list[tuple[str, int]]:
    """How many conversations each channel has had."""
    query = select(Conversation.channel, func.count()).group_by(Conversation.channel)
    return [(channel, n) for channel, n in session.execute(query)]


def turns_by_channel(session: Session) -> list[tuple[str, int]]:
    """How many driver messages each channel has had processed."""
    query = (select(ConversationMessage.channel, func.count()).group_by(ConversationMessage.channel)
             .where((ConversationMessage.direction == "in") & ConversationMessage.processed.is_(True)))
    return [(channel, n) for channel, n in session.execute(query)]


def _conversation(row: Conversation) -> ConversationRecord:
    return ConversationRecord(row.id, row.channel, row.contact, row.mode, row.status, row.agent, row.started_at,
                              row.last_activity_at, row.charger_id, row.ticket_id, row.outcome)


def _message(row: ConversationMessage) -> MessageRecord:
    return MessageRecord(row.id, row.direction, row.text, row.at, row.intent, row.payload or {})


def _chunks(values: list[str], size: int = CHUNK) -> list[list[str]]:
    return [values[i:i + size] for i in range(0, len(values), size)]
