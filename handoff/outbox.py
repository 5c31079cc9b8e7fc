"""Export tickets to the operator's helpdesk: a persistent outbox and a signed webhook.

Every created or changed ticket leaves an event here in the same transaction;
`deliver_pending` POSTs each as JSON with an HMAC-SHA256 signature and retries
with exponential backoff, so nothing is lost while the helpdesk is down.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import as_utc, utcnow
from bot.db import transaction
from bot.periodic import PeriodicWorker
from handoff.models import DeliveryAttempt, OutboxEvent

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ChargeLine-Signature"
DELIVERY_HEADER = "X-ChargeLine-Delivery"
EVENT_HEADER = "X-ChargeLine-Event"
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=3)  # long enough to ride out a helpdesk outage over a weekend
CLAIM_FOR = timedelta(minutes=2)  # another worker leaves an event alone while one is sending it


class Transport(Protocol):
    def post(self, url: str, *, data: bytes, headers: dict[str, str], timeout: float,
             allow_redirects: bool) -> Any: ...


@dataclass
class DeliveryReport:
    """What one pass over the outbox did."""

    delivered: int = 0
    failed: int = 0
    gave_up: int = 0


def sign(secret: str, body: bytes) -> str:
    """The signature header value for a body: sha256=<hex HMAC-SHA256>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Check a signature header in constant time (what a helpdesk receiver does)."""
    return bool(header) and hmac.compare_digest(sign(secret, body), header or "")


def enqueue(session: Session, ticket_id: int, event: str, body: str, now: datetime) -> OutboxEvent:
    """Queue a ticket's new state; a still-undelivered event of that ticket takes the newer body instead."""
    pending = session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.ticket_id == ticket_id, OutboxEvent.delivered_at.is_(None),
               OutboxEvent.gave_up_at.is_(None))
        .order_by(OutboxEvent.id.desc())
        .limit(1)
    ).first()
    if pending is not None:
        # the helpdesk upserts by ticket id, so the newest state is all it needs
        pending.body, pending.version = body, pending.version + 1
        if pending.event != "created":
            pending.event = event
        return pending
    row = OutboxEvent(delivery_id=str(uuid.uuid4()), ticket_id=ticket_id, event=event, body=body, version=1,
                      created_at=now, next_attempt_at=now, attempts=0)
    session.add(row)
    return row


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: 30 s doubling up to an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def deliver_pending(session_factory: sessionmaker[Session], url: str, secret: str | None, *, now: datetime,
                    http: Transport | None = None, timeout: float = 10.0, batch: int = 100) -> DeliveryReport:
    """POST every due event once (stopping at the first unreachable/timeout); record each attempt, schedule retries."""
    now = as_utc(now)
    transport: Any = http if http is not None else requests
    report = DeliveryReport()
    with session_factory() as session:
        due = session.scalars(
            select(OutboxEvent.id)
            .where(OutboxEvent.delivered_at.is_(None), OutboxEvent.gave_up_at.is_(None),
                   OutboxEvent.next_attempt_at <= now)
            .order_by(OutboxEvent.id)
            .limit(batch)
        ).all()
    for event_id in due:
        claimed = _claim(session_factory, event_id, now)
        if claimed is None:
            continue
        status, error, elapsed = _post(transport, url, secret, claimed, timeout)
        _record(session_factory, claimed, now, status, error, elapsed, report)
        if error is not None and status is None:
            break  # unreachable or timing out: the rest would only wait `timeout` each; try again next pass
    return report


@dataclass(frozen=True)
class _Claimed:
    id: int
    ticket_id: int
    delivery_id: str
    event: str
    body: str
    version: int
    attempts: int
    created_at: datetime


def _claim(factory: sessionmaker[Session], event_id: int, now: datetime) -> _Claimed | None:
    with transaction(factory) as session:
        result = session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == event_id, OutboxEvent.delivered_at.is_(None),
                   OutboxEvent.gave_up_at.is_(None), OutboxEvent.next_attempt_at <= now)
            .values(next_attempt_at=now + CLAIM_FOR)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None  # another worker has it
        row = session.get(OutboxEvent, event_id)
        assert row is not None
        session.refresh(row)
        return _Claimed(row.id, row.ticket_id, row.delivery_id, row.event, row.body, row.version, row.attempts,
                        as_utc(row.created_at))


def _post(transport: Any, url: str, secret: str | None, event: _Claimed,
          timeout: float) -> tuple[int | None, str | None, float]:
    body = event.body.encode()
    headers = {"Content-Type": "application/json", DELIVERY_HEADER: event.delivery_id, EVENT_HEADER: event.event}
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, body)
    started = time.monotonic()
    try:
        # a redirect would turn the POST into a GET and lose the ticket: treat it as a failure to fix
        response = transport.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except (requests.RequestException, OSError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500], (time.monotonic() - started) * 1000
    elapsed = (time.monotonic() - started) * 1000
    status = int(response.status_code)
    return status, None if 200 <= status < 300 else f"HTTP {status}", elapsed


def _record(factory: sessionmaker[Session], event: _Claimed, now: datetime, status: int | None,
            error: str | None, elapsed: float, report: DeliveryReport) -> None:
    with transaction(factory) as session:
        session.add(DeliveryAttempt(outbox_id=event.id, at=now, status_code=status, error=error,
                                    duration_ms=round(elapsed, 1)))
        row = session.get(OutboxEvent, event.id)
        assert row is not None
        row.attempts = event.attempts + 1
        if error is None:
            if row.version == event.version:
                row.delivered_at, row.last_error = now, None
                report.delivered += 1
                log.info("ticket T-%06d delivered to the helpdesk delivery=%s", event.ticket_id, event.delivery_id)
            else:
                row.next_attempt_at = now  # the ticket changed while this was in flight: send the newer body
                report.delivered += 1
            return
        row.last_error = error
        report.failed += 1
        if now - event.created_at >= GIVE_UP_AFTER:
            row.gave_up_at = now
            report.gave_up += 1
            log.error("ticket T-%06d not delivered to the helpdesk after %d attempts, giving up: %s",
                      event.ticket_id, row.attempts, error)
        else:
            row.next_attempt_at = now + backoff(row.attempts)
            log.warning("ticket T-%06d helpdesk delivery failed (attempt %d, retry at %s): %s",
                        event.ticket_id, row.attempts, row.next_attempt_at.isoformat(), error)


class OutboxWorker(PeriodicWorker):
    """A background thread that delivers the outbox (and runs other periodic jobs) every few seconds."""

    def __init__(self, deliver: Callable[[], Any], *, interval: float = 5.0,
                 jobs: tuple[Callable[[], Any], ...] = ()) -> None:
        super().__init__("outbox", (*jobs, deliver), interval=interval)


def start_outbox_worker(sessions: sessionmaker[Session], url: str | None, secret: str | None, *,
                        interval: float = 5.0, jobs: tuple[Callable[[], Any], ...] = ()) -> OutboxWorker:
    """Start the background thread: the periodic `jobs`, and helpdesk delivery when a URL is configured."""
    if url and not secret:
        log.warning("CHARGELINE_HELPDESK_WEBHOOK_SECRET is not set: helpdesk deliveries go out unsigned")
    http = requests.Session()

    def deliver() -> None:
        if url:
            deliver_pending(sessions, url, secret, now=utcnow(), http=http)

    return OutboxWorker(deliver, interval=interval, jobs=jobs).start()
