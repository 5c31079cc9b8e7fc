"""An agent takes over a driver's chat, replies on the driver's own channel, and hands it back to the bot.

The one interface the agent console calls. Every message is stored before it
is sent, so a channel that is down loses nothing: the console shows the
delivery failure and the transcript keeps the words. Who holds a conversation
is kept in `conversations.agent`; each agent message names its agent in its
payload, so the audit trail survives a later hand back.

Join and hand-back notices are stored as bot messages (`direction="out"`) with
`payload["event"]`: they are automatic, and the SLA metrics count only an
agent's own words (`direction="agent"`) as the first human answer. The first
such reply also stamps `first_response_at` on the conversation's open tickets,
which stops their first-response clock in the console.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import as_utc, utcnow
from bot.conversation import records
from bot.conversation.records import ConversationRecord
from bot.conversation.store import IDLE_TIMEOUT
from bot.db import transaction
from bot.errors import ChargeLineError
from bot.outbound import Delivery, Outbound, mask_contact
from handoff.models import OPEN_STATUSES, Ticket

__all__ = ["MAX_REPLY", "Delivery", "Takeover", "TakeoverError"]

log = logging.getLogger(__name__)

MAX_REPLY = 1600  # one SMS body at Twilio's limit; longer texts are split by nobody, so refuse them
MAX_AGENT_NAME = 64
MESSAGES_PAGE = 500
BACK_TO_BOT = "You are back with the ChargeLine assistant. Tell me if there is anything else I can help with."


class TakeoverError(ChargeLineError):
    """A takeover action was refused; `status` is the HTTP code the console should answer with."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def joined_text(agent: str) -> str:
    """What the driver reads when an agent joins."""
    return f"{agent} from support has joined the conversation."


@dataclass(frozen=True)
class _Stored:
    message_id: int
    channel: str
    contact: str


class Takeover:
    """Take over, reply to and hand back driver conversations on any text channel."""

    def __init__(self, sessions: sessionmaker[Session], outbound: Outbound,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.sessions = sessions
        self.outbound = outbound.with_sessions(sessions)
        self.clock = clock

    def take_over(self, conversation_id: str, agent: str) -> Delivery:
        """Switch the conversation to agent mode for `agent` and tell the driver who joined."""
        agent = _agent_name(agent)
        now = self.clock()
        with transaction(self.sessions) as session:
            self._open(session, conversation_id, now)
            won, conversation = records.claim_for_agent(session, conversation_id, agent, now)
            holder = conversation.holder
            if not won and holder == agent:
                return Delivery(True, "you already have this conversation")
            if not won and holder is not None:
                raise TakeoverError(409, f"{holder} already has this conversation")
            stored = self._store(session, conversation, "out", joined_text(agent), now,
                                 {"event": "agent_joined", "agent": agent})
        log.info("takeover conversation=%s agent=%s channel=%s contact=%s", conversation_id, agent,
                 stored.channel, mask_contact(stored.channel, stored.contact))
        return self._send(stored, joined_text(agent))

    def reply(self, conversation_id: str, agent: str, text: str) -> Delivery:
        """Store the agent's message (from=agent) and send it to the driver's channel."""
        agent = _agent_name(agent)
        if not isinstance(text, str) or not text.strip():
            raise TakeoverError(400, "the reply is empty")
        text = text.strip()
        if len(text) > MAX_REPLY:
            raise TakeoverError(400, f"the reply is longer than {MAX_REPLY} characters")
        now = self.clock()
        with transaction(self.sessions) as session:
            conversation = self._open(session, conversation_id, now)
            unheld = self._check_holder(conversation, agent)
            records.touch(session, conversation_id, now, agent=agent if unheld else None)
            stored = self._store(session, conversation, "agent", text, now, {"agent": agent})
            _answered(session, conversation_id, now)
        log.info("agent reply conversation=%s agent=%s message=%s chars=%d", conversation_id, agent,
                 stored.message_id, len(text))
        return self._send(stored, text)

    def hand_back(self, conversation_id: str, agent: str) -> Delivery:
        """Return the conversation to the bot and tell the driver the assistant is back."""
        agent = _agent_name(agent)
        now = self.clock()
        with transaction(self.sessions) as session:
            conversation = self._get(session, conversation_id)
            self._check_holder(conversation, agent)
            records.release(session, conversation_id)
            if _ended(conversation, now):  # nobody to tell; just release it
                log.info("hand back of ended conversation=%s agent=%s", conversation_id, agent)
                return Delivery(True, "the conversation had ended; nothing was sent")
            stored = self._store(session, conversation, "out", BACK_TO_BOT, now,
                                 {"event": "handed_back", "agent": agent})
        log.info("hand back conversation=%s agent=%s", conversation_id, agent)
        return self._send(stored, BACK_TO_BOT)

    def messages_since(self, conversation_id: str, after_id: int = 0) -> list[dict[str, Any]]:
        """The conversation's messages with id > after_id, oldest first (at most 500 per call)."""
        if not isinstance(after_id, int) or isinstance(after_id, bool) or after_id < 0:
            raise TakeoverError(400, "after must be a whole number of at least 0")
        with self.sessions() as session:
            self._get(session, conversation_id)
            rows = records.messages_after(session, conversation_id, after_id, MESSAGES_PAGE)
            return [records.transcript_line(r, with_marks=True) for r in rows]

    # -- helpers

    def _get(self, session: Session, conversation_id: str) -> ConversationRecord:
        conversation = records.conversation(session, conversation_id) if isinstance(conversation_id, str) else None
        if conversation is None:
            raise TakeoverError(404, "no such conversation")
        return conversation

    def _open(self, session: Session, conversation_id: str, now: datetime) -> ConversationRecord:
        conversation = self._get(session, conversation_id)
        if _ended(conversation, now):
            raise TakeoverError(409, "the conversation has ended; the driver is no longer there")
        return conversation

    @staticmethod
    def _check_holder(conversation: ConversationRecord, agent: str) -> bool:
        """Refuse an agent who does not hold the conversation; True when nobody does (the caller records `agent`)."""
        if conversation.mode != "agent":
            raise TakeoverError(409, "the conversation is not in agent mode; take it over first")
        holder = conversation.holder
        if holder is not None and holder != agent:
            raise TakeoverError(409, f"{holder} has this conversation")
        # taken over outside this service (or the record is lost): the first to act holds it
        return holder is None

    @staticmethod
    def _store(session: Session, conversation: ConversationRecord, direction: str, text: str, now: datetime,
               payload: dict[str, Any]) -> _Stored:
        message_id = records.add_message(session, conversation, direction, text, now, payload)
        return _Stored(message_id, conversation.channel, conversation.contact)

    def _send(self, stored: _Stored, text: str) -> Delivery:
        """Send after the commit; note the outcome on the stored message (the audit trail)."""
        try:
            delivery = self.outbound.send(stored.channel, stored.contact, text)
        except Exception as exc:  # a bug in a client must not lose the stored message either
            log.exception("outbound failed message=%s", stored.message_id)
            delivery = Delivery(False, f"sending failed: {type(exc).__name__}")
        try:
            with transaction(self.sessions) as session:
                records.note_on_message(session, stored.message_id, {"delivered": delivery.ok,
                                                                     "delivery": delivery.detail})
        except Exception:
            log.exception("could not note the delivery of message=%s", stored.message_id)
        if not delivery.ok:
            log.warning("not delivered message=%s channel=%s to=%s detail=%s", stored.message_id, stored.channel,
                        mask_contact(stored.channel, stored.contact), delivery.detail)
        return delivery


def _answered(session: Session, conversation_id: str, now: datetime) -> None:
    """Stop the first-response clock of the conversation's open tickets that no person had answered yet."""
    session.execute(update(Ticket).where(Ticket.conversation_id == conversation_id,
                                         Ticket.status.in_(OPEN_STATUSES), Ticket.first_response_at.is_(None))
                    .values(first_response_at=now, updated_at=now).execution_options(synchronize_session=False))


def _agent_name(agent: str) -> str:
    name = agent.strip() if isinstance(agent, str) else ""
    if not name or len(name) > MAX_AGENT_NAME or not name.isprintable():
        raise TakeoverError(400, f"the agent name must be 1 to {MAX_AGENT_NAME} printable characters")
    return name


def _ended(conversation: ConversationRecord, now: datetime) -> bool:
    """Closed, or idle past the store's timeout (the driver's next message opens a new conversation)."""
    return conversation.status != "open" or now - as_utc(conversation.last_activity_at) >= IDLE_TIMEOUT
