"""Handoff tables: tickets, network-wide incidents and the helpdesk outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base

TICKET_STATUSES = ("open", "in_progress", "resolved")
OPEN_STATUSES = ("open", "in_progress")
TIERS = ("tier1", "tier2", "field_engineering", "platform_ops")
PRIORITIES = ("P1", "P2", "P3", "P4")
VERDICTS = ("correct", "wrong")


def ticket_ref(number: int) -> str:
    """The public id of ticket number `number`: T-000123."""
    return f"T-{number:06d}"


def incident_ref(number: int) -> str:
    """The public id of incident number `number`: INC-000042."""
    return f"INC-{number:06d}"


class Incident(Base):
    """One problem that affects many drivers (a network-wide payment outage)."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    tier: Mapped[str] = mapped_column(String(24))
    priority: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), index=True)  # open | resolved
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    summary: Mapped[str] = mapped_column(Text)

    @property
    def ref(self) -> str:
        return incident_ref(self.id)

    def __repr__(self) -> str:
        return f"Incident(id={self.id}, kind={self.kind!r}, status={self.status!r})"


class IncidentContact(Base):
    """A driver who reported an incident's problem (linked instead of getting a ticket of their own)."""

    __tablename__ = "incident_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    contact: Mapped[str] = mapped_column(String(64))  # masked, for display
    contact_address: Mapped[str | None] = mapped_column(String(128))  # for a follow-up; never in JSON
    charger_id: Mapped[str | None] = mapped_column(String(64))
    site_id: Mapped[str | None] = mapped_column(String(64))
    conversation_id: Mapped[str | None] = mapped_column(String(32))
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"IncidentContact(incident_id={self.incident_id}, channel={self.channel!r}, contact={self.contact!r})"


class Ticket(Base):
    """A problem handed to people, with the facts the bot already gathered."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    contact: Mapped[str] = mapped_column(String(64))  # masked, what JSON shows
    contact_address: Mapped[str | None] = mapped_column(String(128))  # raw, for routing; never in JSON
    charger_id: Mapped[str | None] = mapped_column(String(64), index=True)
    connector_id: Mapped[int | None] = mapped_column(Integer)
    site_id: Mapped[str | None] = mapped_column(String(64))
    site_type: Mapped[str | None] = mapped_column(String(32))
    intent: Mapped[str | None] = mapped_column(String(32))
    nlu_confidence: Mapped[float | None] = mapped_column(Float)
    tier: Mapped[str] = mapped_column(String(24), index=True)
    priority: Mapped[str] = mapped_column(String(2))
    sla_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # when a person must have answered
    # an agent's first message in the ticket's conversation: the first-response clock stops here
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rule: Mapped[str | None] = mapped_column(String(64))
    # what deduplication compares: the rule's problem, or the intent when no rule fired
    problem: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    charger_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    actions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    transcript: Mapped[list[Any]] = mapped_column(JSON, default=list)
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    suggested_next_step: Mapped[str] = mapped_column(Text, default="")
    conversation_id: Mapped[str | None] = mapped_column(String(32), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    resolution_code: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    routing_verdict: Mapped[str | None] = mapped_column(String(8))
    # the rule that routed the ticket and the facts it saw (`chargeline rules explain`)
    routing: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # the conversation's language (en, de, ...; None on tickets from before it was kept): agents answer in it
    language: Mapped[str | None] = mapped_column(String(8))

    @property
    def ref(self) -> str:
        return ticket_ref(self.id)

    def __repr__(self) -> str:
        return (f"Ticket(id={self.id}, charger_id={self.charger_id!r}, problem={self.problem!r}, "
                f"tier={self.tier!r}, status={self.status!r})")


class OutboxEvent(Base):
    """A ticket change waiting for (or done with) delivery to the operator's helpdesk."""

    __tablename__ = "helpdesk_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(16))  # created | updated | resolved
    body: Mapped[str] = mapped_column(Text)  # the exact JSON bytes that are signed and sent
    # bumped whenever a pending event's body is replaced by a newer state of its ticket
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # when the next attempt may start; a worker pushes it forward to claim the event
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    gave_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"OutboxEvent(id={self.id}, ticket_id={self.ticket_id}, event={self.event!r}, attempts={self.attempts})"


class DeliveryAttempt(Base):
    """One POST to the helpdesk and what came back."""

    __tablename__ = "helpdesk_delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_outbox.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float] = mapped_column(Float)

    def __repr__(self) -> str:
        return f"DeliveryAttempt(outbox_id={self.outbox_id}, status_code={self.status_code}, error={self.error!r})"
