"""Turns left unfinished by a process that died: who runs each turn now, and how to take one over.

A process notes every turn it runs (`RunningTurns.hold`) and, from its
background thread, keeps a lease on the older ones (`renew`). An inbound
message that is still unprocessed, older than `grace`, not held here and not
under a live lease was left by a dead process: one process takes it over with
an atomic claim (`take`), on SQLite and PostgreSQL alike, and resumes it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.models import TurnClaim
from bot.clock import as_utc
from bot.conversation.models import Conversation, ConversationMessage
from bot.conversation.state import DialogueState
from bot.conversation.store import Recorded
from bot.db import transaction
from bot.messages import InboundMessage

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(seconds=60)
MIN_LEASE = timedelta(seconds=5)
MAX_RESUMES = 3  # a message that took its process down this often is left alone (and logged), not retried forever


def process_id() -> str:
    """This process's name in claims: host, pid and a random part (a pid is reused after a restart)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class StoredTurn:
    """An inbound message as stored, with what its conversation knows now."""

    message_id: int
    conversation_id: str
    channel: str
    contact: str
    delivery_id: str | None
    at: datetime
    processed: bool
    mode: str
    charger_id: str | None


class RunningTurns:
    """The turns this process runs, their leases in the database, and taking over abandoned ones."""

    def __init__(self, sessions: sessionmaker[Session], *, grace: timedelta = DEFAULT_GRACE,
                 owner: str | None = None) -> None:
        self.sessions = sessions
        self.grace = grace  # set once at start (CHARGELINE_TURN_GRACE), before any turn runs
        self.owner = owner or process_id()
        self._lock = threading.Lock()
        self._held: dict[int, int] = {}  # message id -> how many threads run it (a duplicate may re-enter)

    @property
    def lease(self) -> timedelta:
        """How long a claim lasts without renewal; `renew` runs several times within it."""
        return max(self.grace / 2, MIN_LEASE)

    @contextmanager
    def hold(self, message_id: int) -> Iterator[None]:
        """Note that this process runs the turn of `message_id` until the block ends."""
        with self._lock:
            self._held[message_id] = self._held.get(message_id, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._held.pop(message_id) - 1
                if left:
                    self._held[message_id] = left

    def held(self) -> list[int]:
        """The messages whose turns run in this process now."""
        with self._lock:
            return list(self._held)

    def renew(self, now: datetime) -> int:
        """Extend the lease on every turn running here (claiming the ones not yet claimed); how many."""
        ids = self.held()
        if not ids:
            return 0
        until = now + self.lease
        with transaction(self.sessions) as session:
            session.execute(update(TurnClaim).where(TurnClaim.message_id.in_(ids))
                            .values(owner=self.owner, lease_until=until)
                            .execution_options(synchronize_session=False))
            known = set(session.scalars(select(TurnClaim.message_id).where(TurnClaim.message_id.in_(ids))))
        for message_id in set(ids) - known:
            try:
                with transaction(self.sessions) as session:
                    session.execute(insert(TurnClaim).values(message_id=message_id, owner=self.owner,
                                                             lease_until=until, resumes=0))
            except IntegrityError:  # finished and deleted meanwhile, or claimed at this instant: nothing to keep
                log.info("no lease taken message=%s (gone or claimed elsewhere)", message_id)
        return len(ids)

    def leave_to_agent(self, message_id: int, now: datetime) -> None:
        """Mark a message an agent answers as never to be resumed by the bot (it stays unprocessed)."""
        try:
            with transaction(self.sessions) as session:
                session.execute(insert(TurnClaim).values(message_id=message_id, owner="agent", lease_until=now,
                                                         resumes=MAX_RESUMES))
        except Exception:  # an agent's message must reach the agent even if this note fails
            log.exception("could not mark message=%s as the agent's", message_id)

    def abandoned(self, now: datetime, *, max_age: timedelta, limit: int = 50) -> list[StoredTurn]:
        """Unprocessed driver messages older than `grace` (and younger than `max_age`) nobody live runs."""
        live_claim = exists().where(TurnClaim.message_id == ConversationMessage.id,
                                    (TurnClaim.lease_until >= now) | (TurnClaim.resumes >= MAX_RESUMES))
        query = (_stored_query()
                 .where(ConversationMessage.direction == "in", ConversationMessage.processed.is_(False),
                        ConversationMessage.at <= now - self.grace, ConversationMessage.at >= now - max_age,
                        Conversation.mode == "bot", ~live_claim)
                 .order_by(ConversationMessage.id).limit(limit))
        held = set(self.held())
        with self.sessions() as session:
            return [turn for turn in map(_stored, session.execute(query)) if turn.message_id not in held]

    def take(self, message_id: int, now: datetime) -> bool:
        """Claim an unfinished turn nobody live runs, atomically; True if this process now owns it."""
        if message_id in self.held():
            return False  # running here: a duplicate delivery of a turn in progress
        until = now + self.lease
        try:
            with transaction(self.sessions) as session:
                message = session.scalar(select(ConversationMessage).where(ConversationMessage.id == message_id))
                if message is None or message.processed or now - as_utc(message.at) < self.grace:
                    return False
                taken = session.execute(
                    update(TurnClaim)
                    .where(TurnClaim.message_id == message_id, TurnClaim.lease_until < now,
                           TurnClaim.resumes < MAX_RESUMES)
                    .values(owner=self.owner, lease_until=until, resumes=TurnClaim.resumes + 1)
                    .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
                if not taken:
                    if session.get(TurnClaim, message_id) is not None:
                        return False  # a live process holds it, or it was resumed too often
                    session.execute(insert(TurnClaim).values(message_id=message_id, owner=self.owner,
                                                             lease_until=until, resumes=1))
        except IntegrityError:  # another process inserted its claim first
            return False
        log.info("turn taken over message=%s owner=%s", message_id, self.owner)
        return True

    def stored(self, message_id: int) -> StoredTurn | None:
        """One inbound message with its conversation's contact and mode."""
        with self.sessions() as session:
            row = session.execute(_stored_query().where(ConversationMessage.id == message_id)).first()
            return _stored(row) if row is not None else None

    def delivery(self, channel: str, delivery_id: str) -> StoredTurn | None:
        """The inbound message of one delivery (MessageSid, update_id, ...), if stored."""
        with self.sessions() as session:
            row = session.execute(_stored_query().where(ConversationMessage.channel == channel,
                                                        ConversationMessage.delivery_id == delivery_id)).first()
            return _stored(row) if row is not None else None

    def reopen(self, message_id: int) -> tuple[Recorded, InboundMessage] | None:
        """The stored message as the engine recorded it, with its conversation's state now; None if gone."""
        with self.sessions() as session:
            row = session.execute(
                select(ConversationMessage, Conversation.contact, Conversation.mode, Conversation.state)
                .join(Conversation, Conversation.id == ConversationMessage.conversation_id)
                .where(ConversationMessage.id == message_id)).first()
        if row is None:
            return None
        message, contact, mode, state = row
        recorded = Recorded(message.conversation_id, message.id, False, mode, DialogueState.from_json(state))
        return recorded, inbound_from_row(message, contact)

    def count_too_old(self, now: datetime, *, max_age: timedelta) -> int:
        """Unprocessed bot-mode driver messages older than `max_age` (left alone: a late answer would mislead)."""
        with self.sessions() as session:
            return len(session.scalars(
                select(ConversationMessage.id)
                .join(Conversation, Conversation.id == ConversationMessage.conversation_id)
                .where(ConversationMessage.direction == "in", ConversationMessage.processed.is_(False),
                       ConversationMessage.at < now - max_age, Conversation.mode == "bot")
                .limit(1000)).all())


def inbound_from_row(message: ConversationMessage, contact: str) -> InboundMessage:
    """Rebuild the InboundMessage a stored inbound row came from (the inverse of the store's payload)."""
    payload: dict[str, Any] = message.payload or {}
    location = payload.get("location")
    digits = payload.get("digits")
    return InboundMessage(
        channel=message.channel,  # type: ignore[arg-type]
        contact=contact, text="" if digits and message.text == digits else message.text,
        delivery_id=message.delivery_id or f"message-{message.id}", received_at=as_utc(message.at),
        charger_hint=payload.get("charger_hint"), digits=digits,
        speech_confidence=payload.get("speech_confidence"), button=payload.get("button"),
        location=(float(location[0]), float(location[1])) if location else None,
        media_urls=tuple(payload.get("media_urls", ())))


def _stored_query() -> Any:
    return (select(ConversationMessage.id, ConversationMessage.conversation_id, ConversationMessage.channel,
                   Conversation.contact, ConversationMessage.delivery_id, ConversationMessage.at,
                   ConversationMessage.processed, Conversation.mode, Conversation.charger_id)
            .join(Conversation, Conversation.id == ConversationMessage.conversation_id))


def _stored(row: Any) -> StoredTurn:
    return StoredTurn(message_id=row.id, conversation_id=row.conversation_id, channel=row.channel,
                      contact=row.contact, delivery_id=row.delivery_id, at=as_utc(row.at),
                      processed=bool(row.processed), mode=row.mode, charger_id=row.charger_id)


def prune_claims(sessions: sessionmaker[Session]) -> int:
    """Forget the claims of finished turns; how many."""
    done = exists().where(ConversationMessage.id == TurnClaim.message_id, ConversationMessage.processed.is_(True))
    with transaction(sessions) as session:
        result = session.execute(delete(TurnClaim).where(done)
                                 .execution_options(synchronize_session=False))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
