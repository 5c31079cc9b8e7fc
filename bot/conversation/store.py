"""Persistence of conversations: find or open one, record every message, keep the dialogue state.

Every call opens its own short transaction, so a bridge command that takes
seconds never holds a database lock (SQLite has one writer).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import as_utc
from bot.conversation.models import OUTCOMES, Conversation, ConversationMessage
from bot.conversation.records import messages_after, transcript_line
from bot.conversation.state import DialogueState
from bot.db import transaction
from bot.messages import Choice, Handoff, InboundMessage, Reply

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


class ConversationStore:
    """Conversations keyed by channel + contact, expiring after `idle` without a message."""

    def __init__(self, sessions: sessionmaker[Session], idle: timedelta = IDLE_TIMEOUT) -> None:
        self.sessions = sessions
        self.idle = idle

    def record_inbound(self, message: InboundMessage, now: datetime) -> Recorded:
        """Store the driver's message before anything else; a repeated delivery is reported, not stored."""
        try:
            with transaction(self.sessions) as session:
                found = self._touch_current(session, message.channel, message.contact, now)
                if found is None:
                    conversation = self._current(session, message.channel, message.contact, now)
                    conversation.last_activity_at = now
                    session.flush()
                    found = (conversation.id, conversation.mode, conversation.state)
                conversation_id, mode, state = found
                # the unique (channel, delivery_id) constraint decides under concurrency, not a prior check
                message_id = session.execute(insert(ConversationMessage).values(
                    conversation_id=conversation_id, channel=message.channel, delivery_id=message.delivery_id,
                    direction="in", text=message.text or message.digits or "", at=now, processed=False,
                    payload=_inbound_payload(message)).returning(ConversationMessage.id)).scalar_one()
                return Recorded(conversation_id, message_id, False, mode, DialogueState.from_json(state))
        except IntegrityError:
            with self.sessions() as session:
                existing = session.scalar(select(ConversationMessage).where(
                    ConversationMessage.channel == message.channel,
                    ConversationMessage.delivery_id == message.delivery_id))
                if existing is None:  # the constraint fired for another reason: let the caller fail open
                    raise
                log.info("duplicate delivery conversation=%s channel=%s", existing.conversation_id, message.channel)
                return Recorded(existing.conversation_id, existing.id, True, "bot", DialogueState())

    def _touch_current(self, session: Session, channel: str, contact: str,
                       now: datetime) -> tuple[str, str, Any] | None:
        """Mark the contact's open, still-fresh conversation active in one statement: (id, mode, state) or None.

        The common case of every turn; opening or expiring a conversation takes the slower `_current`.
        """
        latest = (select(Conversation.id).where(Conversation.channel == channel, Conversation.contact == contact)
                  .order_by(Conversation.last_activity_at.desc()).limit(1).scalar_subquery())
        row = session.execute(
            update(Conversation)
            .where(Conversation.id == latest, Conversation.status == "open",
                   Conversation.last_activity_at > now - self.idle)
            .values(last_activity_at=now)
            .returning(Conversation.id, Conversation.mode, Conversation.state)
            .execution_options(synchronize_session=False)).first()
        return (row.id, row.mode, row.state) if row is not None else None

    def _current(self, session: Session, channel: str, contact: str, now: datetime) -> Conversation:
        latest = session.scalar(
            select(Conversation).where(Conversation.channel == channel, Conversation.contact == contact)
            .order_by(Conversation.last_activity_at.desc()).limit(1))
        if latest is not None and latest.status == "open" and now - as_utc(latest.last_activity_at) < self.idle:
            return latest
        state = DialogueState()
        if latest is not None:
            state.previous_charger = latest.charger_id
        if latest is not None and latest.status == "open":
            _close(latest, None, now, unfinished="expired")
        conversation = Conversation(
            id=uuid.uuid4().hex, channel=channel, contact=contact, mode="bot", status="open",
            started_at=now, last_activity_at=now, state=state.to_json())
        session.add(conversation)
        log.info("conversation opened conversation=%s channel=%s", conversation.id, channel)
        return conversation

    def finish_turn(self, conversation_id: str, message_id: int, state: DialogueState,
                    replies: tuple[Reply, ...], now: datetime, *, intent: str | None = None,
                    confidence: float | None = None) -> None:
        """Save the new state and the bot's replies, and mark the inbound message processed."""
        values: dict[str, Any] = {"state": state.to_json(), "last_activity_at": now}
        if state.charger_id:
            values["charger_id"] = state.charger_id
        if state.ticket_id:
            values["ticket_id"] = state.ticket_id
        with transaction(self.sessions) as session:
            row = session.execute(
                update(Conversation).where(Conversation.id == conversation_id).values(**values)
                .returning(Conversation.channel, Conversation.status, Conversation.outcome)
                .execution_options(synchronize_session=False)).first()
            if row is None:
                raise LookupError(conversation_id)
            if any(r.end_conversation for r in replies) or (row.status == "closed" and row.outcome is None):
                conversation = session.get(Conversation, conversation_id)  # rare: the whole row decides the outcome
                if conversation is not None:
                    _close(conversation, None, now, unfinished="abandoned")
            session.execute(
                update(ConversationMessage).where(ConversationMessage.id == message_id)
                .values(processed=True, intent=intent, confidence=confidence)
                .execution_options(synchronize_session=False))
            if replies:
                session.execute(insert(ConversationMessage), [
                    {"conversation_id": conversation_id, "channel": row.channel, "delivery_id": None,
                     "direction": "out", "text": reply.text, "at": now, "processed": True,
                     "payload": _reply_payload(reply) | {"answers": message_id}} for reply in replies])

    def close(self, conversation_id: str, outcome: str | None, now: datetime) -> str | None:
        """Close the conversation with `outcome` (decided from the conversation when None); idempotent.

        Returns the outcome it holds afterwards (the first one recorded wins), or None when no such conversation.
        """
        if outcome is not None and outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        with transaction(self.sessions) as session:
            conversation = session.get(Conversation, conversation_id, with_for_update=True)
            if conversation is None:
                return None
            if conversation.outcome is None and outcome is None and _turn_running(session, conversation_id):
                # the caller hung up while a turn (a reset, a ticket) was still running: its end decides
                conversation.status, conversation.closed_at = "closed", now
                log.info("conversation closed conversation=%s outcome=after its running turn", conversation_id)
            elif conversation.outcome is None:
                _close(conversation, outcome, now, unfinished="abandoned")
                log.info("conversation closed conversation=%s outcome=%s", conversation_id, conversation.outcome)
            return conversation.outcome

    def close_idle(self, now: datetime, *, limit: int = 500) -> int:
        """Close bot conversations idle longer than `idle` (outcome decided, `expired` when left mid-flow).

        A text conversation has no hang-up: without this it would stay open until the driver wrote again.
        Conversations an agent holds are left to the agent. Returns how many were closed (at most `limit`).
        """
        with transaction(self.sessions) as session:
            idle = session.scalars(
                select(Conversation).where(Conversation.status == "open", Conversation.mode == "bot",
                                           Conversation.last_activity_at < now - self.idle)
                .order_by(Conversation.last_activity_at).limit(limit).with_for_update(skip_locked=True))
            closed = 0
            for conversation in idle:
                _close(conversation, None, now, unfinished="expired")
                closed += 1
        if closed:
            log.info("closed %d idle conversations", closed)
        return closed

    def find_by_delivery(self, channel: str, delivery_prefix: str) -> str | None:
        """The conversation holding a delivery whose id starts with `delivery_prefix` (a call's turns)."""
        with self.sessions() as session:
            return session.scalar(select(ConversationMessage.conversation_id).where(
                ConversationMessage.channel == channel,
                ConversationMessage.delivery_id.startswith(delivery_prefix, autoescape=True))
                .order_by(ConversationMessage.id.desc()).limit(1))

    def replies_to(self, channel: str, delivery_id: str) -> tuple[Reply, ...] | None:
        """The bot's stored replies to one inbound delivery, or None while its turn has not finished."""
        with self.sessions() as session:
            inbound = session.scalar(select(ConversationMessage).where(
                ConversationMessage.channel == channel, ConversationMessage.delivery_id == delivery_id))
            if inbound is None or not inbound.processed:
                return None
            later = list(session.scalars(select(ConversationMessage).where(
                ConversationMessage.conversation_id == inbound.conversation_id,
                ConversationMessage.id > inbound.id).order_by(ConversationMessage.id)))
            # a turn resumed after its process died answers after the driver's newer messages: its replies
            # name the message they answer; replies stored before they did follow their message directly
            tagged = [row for row in later if row.direction == "out" and (row.payload or {}).get("answers")
                      == inbound.id]
            if tagged:
                return tuple(_reply_from(row.text, row.payload or {}) for row in tagged)
            replies = []
            for row in later:
                if row.direction == "in":
                    break
                if row.direction == "out" and not (row.payload or {}).get("answers"):
                    replies.append(_reply_from(row.text, row.payload or {}))
            return tuple(replies)

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
            return [transcript_line(m, with_id=False, zulu=False) for m in messages_after(session, conversation_id)]

    def set_mode(self, conversation_id: str, mode: str) -> None:
        """Switch a conversation between the bot and a human agent."""
        if mode not in ("bot", "agent"):
            raise ValueError(f"unknown mode {mode!r}")
        with transaction(self.sessions) as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise LookupError(conversation_id)
            conversation.mode = mode


def decide_outcome(conversation: Conversation, *, unfinished: str = "abandoned") -> str:
    """How a conversation ended, from what it holds: a human took it, the bot finished, or the driver left.

    A ticket or a handoff is a transfer on the phone and a handoff elsewhere. The bot resolved it when a
    problem was worked through to the end (the driver confirmed the fix, or an answer closed the topic)
    with no open question; otherwise the driver left mid-flow (`unfinished`: abandoned, or expired when idle).
    """
    state = DialogueState.from_json(conversation.state)
    if conversation.ticket_id or state.ticket_id or state.handed_off or conversation.mode == "agent":
        return "transferred" if conversation.channel == "voice" else "handed_off"
    if state.topic is not None and state.intent is None and state.awaiting is None:
        return "resolved_by_bot"
    return unfinished


def _close(conversation: Conversation, outcome: str | None, now: datetime, *, unfinished: str) -> None:
    conversation.status = "closed"
    if conversation.outcome is None:
        conversation.outcome = outcome or decide_outcome(conversation, unfinished=unfinished)
        conversation.closed_at = conversation.closed_at or now


def _turn_running(session: Session, conversation_id: str) -> bool:
    """True while an inbound message of the conversation waits for its turn to finish."""
    return session.scalar(select(ConversationMessage.id).where(
        ConversationMessage.conversation_id == conversation_id, ConversationMessage.direction == "in",
        ConversationMessage.processed.is_(False)).limit(1)) is not None


def _reply_from(text: str, payload: dict[str, Any]) -> Reply:
    """Rebuild a stored reply (the inverse of `_reply_payload`)."""
    handoff = payload.get("handoff")
    return Reply(
        text=text, voice_text=payload.get("voice_text"),
        choices=tuple(Choice(c["title"], c["payload"], c.get("dtmf"), c.get("spoken"))
                      for c in payload.get("choices", ())),
        links=tuple((str(a), str(b)) for a, b in payload.get("links", ())), image_url=payload.get("image_url"),
        handoff=Handoff(handoff["ticket_id"], handoff["tier"], handoff["summary"], handoff["priority"])
        if handoff else None,
        end_conversation=bool(payload.get("end_conversation")), sms_text=payload.get("sms_text"),
        key_in=payload.get("key_in"))


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
    if reply.sms_text:
        payload["sms_text"] = reply.sms_text
    if reply.key_in:
        payload["key_in"] = reply.key_in
    if reply.choices:
        payload["choices"] = [{"title": c.title, "payload": c.payload, "dtmf": c.dtmf}
                              | ({"spoken": c.spoken} if c.spoken else {}) for c in reply.choices]
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
