"""Replies sent through a channel's REST API after the webhook: a persistent outbox with retries.

A turn that outlasted its webhook (the driver read "I'll text you the result")
or that a dead process left unfinished has no webhook answer to ride on. Its
row here names the inbound delivery; once the turn is finished its stored
replies are rendered for the channel and sent, each text once (`parts_sent`),
with exponential backoff while the channel's API fails. The row is written
before the driver is told to wait, so a process dying in between loses nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.models import ReplyOutbox
from bot.channels.optout import is_opted_out
from bot.channels.sms import sms_text, whatsapp_bodies
from bot.channels.telegram import BotAPI, TelegramUnavailable, outbound_calls
from bot.clock import as_utc
from bot.conversation.resume import RunningTurns, StoredTurn
from bot.conversation.store import ConversationStore
from bot.db import transaction
from bot.messages import Reply
from bot.outbound import Delivery, Outbound, mask_contact

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=10)
MAX_RETRY = timedelta(minutes=5)
GIVE_UP_AFTER = timedelta(hours=1)  # later than this an answer about a charger's state misleads more than it helps
CLAIM_FOR = timedelta(minutes=2)  # another process leaves a row alone while one sends it
RECHECK = timedelta(seconds=5)  # the turn is still running: look again soon
REST_CHANNELS = ("sms", "whatsapp", "telegram")

Part = str | tuple[str, dict[str, Any]]  # a text for Twilio, or a Bot API call


@dataclass
class OutboxReport:
    """What one pass over the outbox did."""

    sent: int = 0
    failed: int = 0
    waiting: int = 0
    gave_up: int = 0


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: 10 s doubling up to 5 minutes."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def chat_link(public_url: str, charger_id: str | None) -> str:
    """The web chat, about the charger when known (where a cut SMS points)."""
    return f"{public_url}/chat" + (f"?charger={charger_id}" if charger_id else "")


@dataclass(frozen=True)
class ReplySender:
    """Renders a turn's replies for a channel and sends them one part at a time."""

    outbound: Outbound
    public_url: str
    telegram: BotAPI | None = None

    def parts(self, turn: StoredTurn, replies: tuple[Reply, ...]) -> list[Part]:
        """What the driver receives, in order: one SMS, WhatsApp texts, or Bot API calls with buttons."""
        if turn.channel == "sms":
            return [sms_text(replies, more_link=chat_link(self.public_url, turn.charger_id))]
        if turn.channel == "whatsapp":
            return list(whatsapp_bodies(replies, public_url=self.public_url))
        if turn.channel == "telegram":
            return list(outbound_calls(turn.contact, replies, self.public_url))
        return []

    def send(self, turn: StoredTurn, part: Part, from_number: str | None) -> Delivery:
        """Send one part; never raises for a channel failure."""
        if isinstance(part, str):
            return self.outbound.send(turn.channel, turn.contact, part, from_number=from_number)
        if self.telegram is None:
            return Delivery(False, "Telegram is not configured (TELEGRAM_BOT_TOKEN)")
        method, payload = part
        try:
            self.telegram.call(method, payload)
        except TelegramUnavailable as exc:
            return Delivery(False, str(exc))
        return Delivery(True, "sent")


@dataclass(frozen=True)
class _Claimed:
    id: int
    channel: str
    delivery_id: str
    from_number: str | None
    created_at: datetime
    attempts: int
    parts_sent: int


class ReplyOutboxStore:
    """The rows of the outbox: queue, claim, record."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def enqueue(self, channel: str, delivery_id: str, now: datetime, *, from_number: str | None = None,
                due: datetime | None = None) -> bool:
        """Queue the replies to one inbound delivery (once: a second call changes nothing); True if new.

        `due` is when to look first (default: shortly, the turn is still running).
        """
        if channel not in REST_CHANNELS:
            return False
        try:
            with transaction(self.sessions) as session:
                session.execute(insert(ReplyOutbox).values(
                    channel=channel, delivery_id=delivery_id, from_number=from_number, created_at=now,
                    next_attempt_at=due or now + RECHECK, attempts=0, parts_sent=0))
        except IntegrityError:
            return False
        return True

    def mark_sent(self, channel: str, delivery_id: str, now: datetime) -> None:
        """Record that the replies went out another way (the webhook's own answer, or in-process delivery)."""
        with transaction(self.sessions) as session:
            session.execute(update(ReplyOutbox)
                            .where(ReplyOutbox.channel == channel, ReplyOutbox.delivery_id == delivery_id,
                                   ReplyOutbox.sent_at.is_(None))
                            .values(sent_at=now).execution_options(synchronize_session=False))

    def due(self, now: datetime, batch: int = 50) -> list[int]:
        with self.sessions() as session:
            return list(session.scalars(
                select(ReplyOutbox.id)
                .where(ReplyOutbox.sent_at.is_(None), ReplyOutbox.gave_up_at.is_(None),
                       ReplyOutbox.next_attempt_at <= now)
                .order_by(ReplyOutbox.id).limit(batch)))

    def claim(self, row_id: int, now: datetime) -> _Claimed | None:
        """Take a due row for CLAIM_FOR with one atomic UPDATE; None if another process has it."""
        with transaction(self.sessions) as session:
            taken = session.execute(
                update(ReplyOutbox)
                .where(ReplyOutbox.id == row_id, ReplyOutbox.sent_at.is_(None), ReplyOutbox.gave_up_at.is_(None),
                       ReplyOutbox.next_attempt_at <= now)
                .values(next_attempt_at=now + CLAIM_FOR)
                .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
            if taken != 1:
                return None
            row = session.get(ReplyOutbox, row_id)
            assert row is not None
            session.refresh(row)
            return _Claimed(row.id, row.channel, row.delivery_id, row.from_number, as_utc(row.created_at),
                            row.attempts, row.parts_sent)

    def update(self, row_id: int, **values: Any) -> None:
        with transaction(self.sessions) as session:
            session.execute(update(ReplyOutbox).where(ReplyOutbox.id == row_id).values(**values)
                            .execution_options(synchronize_session=False))




def deliver_due(rows: ReplyOutboxStore, turns: RunningTurns, sender: ReplySender, now: datetime) -> OutboxReport:
    """Send every due row whose turn has finished; retry failures with backoff; give up after an hour."""
    report = OutboxReport()
    store = ConversationStore(rows.sessions)
    for row_id in rows.due(now):
        claimed = rows.claim(row_id, now)
        if claimed is not None:
            _deliver(rows, turns, store, sender, claimed, now, report)
    return report


def _deliver(rows: ReplyOutboxStore, turns: RunningTurns, store: ConversationStore, sender: ReplySender,
             row: _Claimed, now: datetime, report: OutboxReport) -> None:
    turn = turns.delivery(row.channel, row.delivery_id)
    if turn is not None and turn.mode != "bot":
        rows.update(row.id, sent_at=now, last_error="nothing to send: the conversation is with an agent")
        return
    replies = store.replies_to(row.channel, row.delivery_id) if turn is not None else None
    if turn is None or replies is None or not turn.processed:
        if now - row.created_at >= GIVE_UP_AFTER:
            _give_up(rows, row, now, "the turn never finished", report)
        else:  # still running here or elsewhere, or about to be resumed: its replies are not stored yet
            rows.update(row.id, next_attempt_at=now + RECHECK)
            report.waiting += 1
        return
    if not replies:
        rows.update(row.id, sent_at=now, last_error="nothing to send")
        return
    if turn.channel in ("sms", "whatsapp") and is_opted_out(rows.sessions, turn.channel, turn.contact):
        rows.update(row.id, sent_at=now, last_error="the driver opted out (STOP); not texted")
        log.info("reply withheld: opted out channel=%s to=%s", turn.channel, mask_contact(turn.channel, turn.contact))
        return
    parts = sender.parts(turn, replies)
    sent = row.parts_sent
    for part in parts[sent:]:
        delivery = sender.send(turn, part, row.from_number)
        if not delivery.ok:
            _failed(rows, row, now, sent, delivery.detail, report, turn)
            return
        sent += 1
        rows.update(row.id, parts_sent=sent)  # a retry never sends this part again
    rows.update(row.id, sent_at=now, attempts=row.attempts + 1, last_error=None)
    report.sent += 1
    log.info("reply sent after the webhook channel=%s to=%s parts=%d", turn.channel,
             mask_contact(turn.channel, turn.contact), len(parts))


def _failed(rows: ReplyOutboxStore, row: _Claimed, now: datetime, sent: int, error: str, report: OutboxReport,
            turn: StoredTurn) -> None:
    attempts = row.attempts + 1
    if now - row.created_at >= GIVE_UP_AFTER:
        _give_up(rows, row, now, error, report)
        return
    retry = now + backoff(attempts)
    rows.update(row.id, attempts=attempts, parts_sent=sent, last_error=error[:500], next_attempt_at=retry)
    report.failed += 1
    log.warning("reply not sent channel=%s to=%s (attempt %d, retry at %s): %s", turn.channel,
                mask_contact(turn.channel, turn.contact), attempts, retry.isoformat(), error)


def _give_up(rows: ReplyOutboxStore, row: _Claimed, now: datetime, error: str, report: OutboxReport) -> None:
    rows.update(row.id, attempts=row.attempts + 1, gave_up_at=now, last_error=error[:500])
    report.gave_up += 1
    log.error("reply to delivery=%s on %s not sent after %d attempts, giving up: %s", row.delivery_id,
              row.channel, row.attempts + 1, error)
