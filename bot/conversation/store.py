"""Persistence of conversations: find or open one, record every message, keep the dialogue state.

Every call opens its own short transaction, so a bridge command that takes
seconds never holds a database lock (SQLite has one writer).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.models import Conversation, ConversationMessage
from bot.conversation.state import DialogueState
from bot.db import transaction
from bot.messages import InboundMessage, Reply

log = logging.getLogger(__name__)

IDLE_TIMEOUT = timedelta(minutes=30)


@dataclass(frozen=True)
class Recorded:
    """The inbound message is stored: which conversation, which row, and whether it was seen before."""

    conversation_id: str
    message_id: int
    duplicate: bool
    mode: str
    state: DialogueState


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; we store UTC
    from datetime import timezone

    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class ConversationStore:
    """Conversations keyed by channel + contact, expiring after `idle` without a message."""

    def __init__(self, sessions: sessionmaker[Session], idle: timedelta = IDLE_TIMEOUT) -> None:
        self.sessions = sessions
        self.idle = idle

    def record_inbound(self, message: InboundMessage, now: datetime) -> Recorded:
        """Store the driver's message before anything else; a repeated delivery is reported, not stored."""
        try:
            with transaction(self.sessions) as session:
                conversation = self._current(session, message.channel, message.contact, now)
                row = ConversationMessage(
                    conversation_id=conversation.id, channel=message.channel, delivery_id=message.delivery_id,
                    direction="in", text=message.text or "", at=now, processed=False,
                    payload=_inbound_payload(message))
                session.add(row)
                conversation.last_activity_at = now
                # the unique (channel, delivery_id) constraint decides under concurrency, not a prior check
                session.flush()
                return Recorded(conversation.id, row.id, False, conversation.mode,
                                DialogueState.from_json(conversation.state))
        except IntegrityError:
            with self.sessions() as session:
                existing = session.scalar(select(ConversationMessage).where(
                    ConversationMessage.channel == message.channel,
                    ConversationMessage.delivery_id == message.delivery_id))
                if existing is None:  # the constraint fired for another reason: let the caller fail open
                    raise
                log.info("duplicate delivery conversation=%s channel=%s", existing.conversation_id, message.channel)
                return Recorded(existing.conversation_id, existing.id, True, "bot", DialogueState())

    def _current(self, session: Session, channel: str, contact: str, now: datetime) -> Conversation:
        latest = session.scalar(
            select(Conversation).where(Conversation.channel == channel, Conversation.contact == contact)
            .order_by(Conversation.last_activity_at.desc()).limit(1))
        if latest is not None and latest.status == "open" and now - _aware(latest.last_activity_at) < self.idle:
            return latest
        state = DialogueState()
        if latest is not None:
            state.previous_charger = latest.charger_id
        if latest is not None and latest.status == "open":
            latest.status = "closed"
        conversation = Conversation(
            id=uuid.uuid4().hex, channel=channel, contact=contact, mode="bot", status="open",
            started_at=now, last_activity_at=now, state=state.to_json())
        session.add(conversation)
        log.info("conversation opened conversation=%s channel=%s", conversation.id, channel)
        return conversation

    def finish_turn(self, conversation_id: str, message_id: int, state: DialogueState,
                    replies: tuple[Reply, ...], now: datetime, *, intent: Optional[str] = None,
                    confidence: Optional[float] = None) -> None:
        """Save the new state and the bot's replies, and mark the inbound message processed."""
        with transaction(self.sessions) as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise LookupError(conversation_id)
            conversation.state = state.to_json()
            conversation.charger_id = state.charger_id or conversation.charger_id
            conversation.ticket_id = state.ticket_id or conversation.ticket_id
            conversation.last_activity_at = now
            if any(r.end_conversation for r in replies):
                conversation.status = "closed"
            inbound = session.get(ConversationMessage, message_id)
            if inbound is not None:
                inbound.processed = True
                inbound.intent = intent
                inbound.confidence = confidence
            for reply in replies:
                session.add(ConversationMessage(
                    conversation_id=conversation_id, channel=conversation.channel, delivery_id=None,
                    direction="out", text=reply.text, at=now, processed=True, payload=_reply_payload(reply)))

    def add_outbound(self, conversation_id: str, replies: tuple[Reply, ...], now: datetime) -> None:
        """Store replies sent outside a normal turn (the apology after a failure)."""
        with transaction(self.sessions) as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                return
            for reply in replies:
                session.add(ConversationMessage(
                    conversation_id=conversation_id, channel=conversation.channel, delivery_id=None,
                    direction="out", text=reply.text, at=now, processed=True, payload=_reply_payload(reply)))

    def transcript(self, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation so far as `{"from", "text", "at"}` rows, oldest first."""
        with self.sessions() as session:
            rows = session.scalars(select(ConversationMessage).where(
                ConversationMessage.conversation_id == conversation_id).order_by(ConversationMessage.id))
            names = {"in": "driver", "out": "bot", "agent": "agent"}
            return [{"from": names.get(r.direction, r.direction), "text": r.text,
                     "at": _aware(r.at).isoformat()} for r in rows]

    def set_mode(self, conversation_id: str, mode: str) -> None:
        """Switch a conversation between the bot and a human agent."""
        if mode not in ("bot", "agent"):
            raise ValueError(f"unknown mode {mode!r}")
        with transaction(self.sessions) as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise LookupError(conversation_id)
            conversation.mode = mode


def _inbound_payload(message: InboundMessage) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for name in ("charger_hint", "digits", "button", "speech_confidence"):
        value = getattr(message, name)
        if value is not None:
            payload[name] = value
    if message.location is not None:
        payload["location"] = list(message.location)
    if message.media_urls:
        payload["media_urls"] = list(message.media_urls)
    return payload


def _reply_payload(reply: Reply) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if reply.voice_text:
        payload["voice_text"] = reply.voice_text
    if reply.choices:
        payload["choices"] = [{"title": c.title, "payload": c.payload, "dtmf": c.dtmf} for c in reply.choices]
    if reply.links:
        payload["links"] = [list(link) for link in reply.links]
    if reply.image_url:
        payload["image_url"] = reply.image_url
    if reply.handoff is not None:
        h = reply.handoff
        payload["handoff"] = {"ticket_id": h.ticket_id, "tier": h.tier, "priority": h.priority, "summary": h.summary}
    if reply.end_conversation:
        payload["end_conversation"] = True
    return payload
