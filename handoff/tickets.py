"""Tickets: open (deduplicated), append, resolve, list, and the ticket JSON of docs/api.md."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.errors import ChargeLineError
from bot.fleet.models import Charger
from bot.logs import mask_phone
from handoff import outbox
from handoff.clock import as_utc, iso, jsonable, utcnow
from handoff.models import (
    OPEN_STATUSES,
    PRIORITIES,
    TICKET_STATUSES,
    TIERS,
    VERDICTS,
    Ticket,
    incident_ref,
)
from handoff.sla import SlaPolicy

log = logging.getLogger(__name__)

_TICKET_ID = re.compile(r"^T-(\d{1,12})$")
# how far up the ladder a tier is; a same-priority rule with a higher tier still escalates
_TIER_RANK = {"tier1": 0, "tier2": 1, "field_engineering": 2, "platform_ops": 2}


class UnknownTicket(ChargeLineError):
    """No ticket has this id."""


@dataclass(frozen=True)
class TicketDraft:
    """Everything the dialogue hands over when a human must take a problem."""

    channel: str
    contact: str = ""  # the raw address (phone, chat id); stored masked for display
    charger_id: str | None = None
    connector_id: int | None = None
    site_id: str | None = None
    site_type: str | None = None
    intent: str | None = None
    nlu_confidence: float | None = None
    tier: str = "tier1"
    priority: str = "P3"
    rule: str | None = None
    summary: str = ""
    charger_snapshot: dict[str, Any] | None = None
    actions: list[dict[str, Any]] = field(default_factory=list)
    transcript: list[dict[str, Any]] = field(default_factory=list)  # {"from": driver|bot|agent, "text", "at"}
    suggested_next_step: str = ""
    conversation_id: str | None = None
    problem: str | None = None  # what deduplication compares; default: the rule, else the intent
    routing: dict[str, Any] | None = None  # the rule that fired and the facts it saw (handoff.rules.RuleHit.routing)
    language: str | None = None  # the conversation's language (en, de, ...): agents answer in it


@dataclass(frozen=True)
class TicketRef:
    """What `open_ticket` did: the ticket's id, whether it is new, and where it sits now."""

    id: str
    created: bool
    tier: str
    priority: str
    sla_due: datetime


def open_ticket(session: Session, draft: TicketDraft, *, now: datetime, sla: SlaPolicy | None = None) -> TicketRef:
    """Open a ticket, or add to the open one for the same charger and problem (escalating it if needed)."""
    _check(draft)
    now, sla = as_utc(now), sla or SlaPolicy()
    problem = draft.problem or draft.rule or draft.intent or "unspecified"
    lock_problem(session, draft.charger_id or draft.conversation_id or "", problem)
    existing = _open_duplicate(session, draft, problem)
    if existing is not None:
        _merge(existing, draft, now, sla)
        publish_ticket(session, existing, "updated", now)
        log.info("ticket %s updated charger=%s problem=%s conversation=%s", existing.ref, draft.charger_id,
                 problem, draft.conversation_id)
        return TicketRef(existing.ref, False, existing.tier, existing.priority, as_utc(existing.sla_due))
    site_id, site_type = _site_of(session, draft)
    ticket = Ticket(
        created_at=now, updated_at=now, status="open", channel=draft.channel,
        contact=mask_phone(draft.contact), contact_address=draft.contact or None,
        charger_id=draft.charger_id, connector_id=draft.connector_id, site_id=site_id, site_type=site_type,
        intent=draft.intent, nlu_confidence=draft.nlu_confidence, tier=draft.tier, priority=draft.priority,
        sla_due=sla.due(draft.priority, now, draft.rule), rule=draft.rule, problem=problem,
        summary=draft.summary, charger_snapshot=jsonable(draft.charger_snapshot),
        actions=jsonable(draft.actions), transcript=jsonable(draft.transcript), notes=[],
        suggested_next_step=draft.suggested_next_step, conversation_id=draft.conversation_id,
        routing=jsonable(draft.routing), language=draft.language,
    )
    session.add(ticket)
    session.flush()
    publish_ticket(session, ticket, "created", now)
    log.info("ticket %s opened charger=%s tier=%s priority=%s rule=%s conversation=%s", ticket.ref,
             draft.charger_id, draft.tier, draft.priority, draft.rule, draft.conversation_id)
    return TicketRef(ticket.ref, True, ticket.tier, ticket.priority, as_utc(ticket.sla_due))


def _check(draft: TicketDraft) -> None:
    if draft.tier not in TIERS:
        raise ValueError(f"tier {draft.tier!r} is not one of {', '.join(TIERS)}")
    if draft.priority not in PRIORITIES:
        raise ValueError(f"priority {draft.priority!r} is not one of {', '.join(PRIORITIES)}")


def lock_problem(session: Session, subject: str, problem: str) -> None:
    """Make concurrent reports of one problem wait for each other, so a retried webhook cannot open two tickets."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"ticket|{subject}|{problem}".encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        # SQLite has one writer at a time: taking the write lock now (a write that changes nothing)
        # holds other writers off until this transaction ends
        session.execute(text("UPDATE tickets SET id = id WHERE 1 = 0"))


def _open_duplicate(session: Session, draft: TicketDraft, problem: str) -> Ticket | None:
    query = select(Ticket).where(Ticket.problem == problem, Ticket.status.in_(OPEN_STATUSES))
    if draft.charger_id is not None:
        query = query.where(Ticket.charger_id == draft.charger_id)
    elif draft.conversation_id is not None:
        query = query.where(Ticket.charger_id.is_(None), Ticket.conversation_id == draft.conversation_id)
    else:
        return None  # nothing says two charger-less contacts are the same problem
    return session.scalars(query.order_by(Ticket.id.desc()).limit(1)).first()


def _site_of(session: Session, draft: TicketDraft) -> tuple[str | None, str | None]:
    if draft.site_id is not None or draft.charger_id is None:
        return draft.site_id, draft.site_type
    charger = session.get(Charger, draft.charger_id)
    if charger is None:
        return None, draft.site_type
    return charger.site_id, draft.site_type or charger.site.type


def _merge(ticket: Ticket, draft: TicketDraft, now: datetime, sla: SlaPolicy) -> None:
    """Add the new contact's words and actions to an open ticket; raise its priority or tier if needed."""
    _extend(ticket, transcript=draft.transcript, actions=draft.actions)
    same_conversation = draft.conversation_id is not None and draft.conversation_id == ticket.conversation_id
    who = ("the same conversation" if same_conversation
           else f"{mask_phone(draft.contact) or 'a contact'} via {draft.channel}")
    note = f"Reported again from {who}" + (f" (rule {draft.rule})" if draft.rule else "")
    if draft.summary and draft.summary != ticket.summary:
        note += f": {draft.summary}"
    if escalates(ticket.tier, ticket.priority, draft.tier, draft.priority):
        note += f"; escalated from {ticket.tier} {ticket.priority} to {draft.tier} {draft.priority}"
        ticket.tier, ticket.priority, ticket.rule = draft.tier, draft.priority, draft.rule or ticket.rule
        ticket.sla_due = min(as_utc(ticket.sla_due), sla.due(draft.priority, now, draft.rule))
        if draft.suggested_next_step:
            ticket.suggested_next_step = draft.suggested_next_step
        if draft.routing is not None:
            ticket.routing = jsonable(draft.routing)
    if draft.charger_snapshot is not None:
        ticket.charger_snapshot = jsonable(draft.charger_snapshot)
    ticket.notes = [*ticket.notes, {"text": note, "at": iso(now)}]
    ticket.updated_at = now


def escalates(tier: str, priority: str, new_tier: str, new_priority: str) -> bool:
    """Whether a new finding outranks an open ticket: more urgent, or as urgent for a higher tier."""
    if PRIORITIES.index(new_priority) != PRIORITIES.index(priority):
        return PRIORITIES.index(new_priority) < PRIORITIES.index(priority)
    return _TIER_RANK[new_tier] > _TIER_RANK[tier]


def _extend(ticket: Ticket, *, transcript: Iterable[dict[str, Any]] = (),
            actions: Iterable[dict[str, Any]] = ()) -> None:
    # a conversation that hands off twice sends its whole transcript again; keep each line once
    lines = list(ticket.transcript)
    lines += [line for line in jsonable(list(transcript)) if line not in lines]
    done = list(ticket.actions)
    done += [action for action in jsonable(list(actions)) if action not in done]
    ticket.transcript, ticket.actions = lines, done


def publish_ticket(session: Session, ticket: Ticket, event: str, now: datetime) -> None:
    """Queue the ticket's current JSON for the helpdesk (in the caller's transaction)."""
    session.flush()
    outbox.enqueue(session, ticket.id, event, json.dumps(ticket_json(ticket), sort_keys=False), now)


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    """The ticket as docs/api.md shows it, plus its history and resolution (never the raw contact)."""
    return {
        "id": ticket.ref, "created_at": iso(ticket.created_at), "status": ticket.status,
        "channel": ticket.channel, "contact": ticket.contact,
        "charger_id": ticket.charger_id, "connector_id": ticket.connector_id, "site_id": ticket.site_id,
        "site_type": ticket.site_type, "intent": ticket.intent, "nlu_confidence": ticket.nlu_confidence,
        "tier": ticket.tier, "priority": ticket.priority, "sla_due": iso(ticket.sla_due), "rule": ticket.rule,
        "summary": ticket.summary, "charger_snapshot": ticket.charger_snapshot, "actions": list(ticket.actions),
        "transcript": list(ticket.transcript), "suggested_next_step": ticket.suggested_next_step,
        "notes": list(ticket.notes), "conversation_id": ticket.conversation_id, "updated_at": iso(ticket.updated_at),
        "incident_id": incident_ref(ticket.incident_id) if ticket.incident_id is not None else None,
        "resolution_code": ticket.resolution_code, "resolved_at": iso(ticket.resolved_at),
        "resolved_by": ticket.resolved_by, "routing_verdict": ticket.routing_verdict, "language": ticket.language,
    }


def ticket_number(ticket_id: str | int) -> int | None:
    """The row id behind a public ticket id (T-000123 -> 123), or None when it is not one."""
    if isinstance(ticket_id, int) and not isinstance(ticket_id, bool):
        return ticket_id
    match = _TICKET_ID.match(str(ticket_id).strip())
    return int(match.group(1)) if match else None


def get_ticket(session: Session, id: str | int) -> Ticket | None:
    """The ticket with this id (T-000123), or None."""
    number = ticket_number(id)
    return session.get(Ticket, number) if number is not None else None


def list_tickets(session: Session, *, charger_id: str | None = None, status: str | None = None,
                 tier: str | None = None, limit: int = 50, before: str | int | None = None) -> list[Ticket]:
    """Tickets newest first, filtered; `before` is a ticket id (the page cursor). Bad filters raise ValueError."""
    if status is not None and status not in TICKET_STATUSES:
        raise ValueError(f"status must be one of {', '.join(TICKET_STATUSES)}")
    if tier is not None and tier not in TIERS:
        raise ValueError(f"tier must be one of {', '.join(TIERS)}")
    if not 1 <= limit <= 1000:
        raise ValueError("limit must be between 1 and 1000")
    query = select(Ticket)
    if before is not None:
        number = ticket_number(before)
        if number is None:
            raise ValueError("before must be a ticket id like T-000123")
        query = query.where(Ticket.id < number)
    if charger_id is not None:
        query = query.where(Ticket.charger_id == charger_id)
    if status is not None:
        query = query.where(Ticket.status == status)
    if tier is not None:
        query = query.where(Ticket.tier == tier)
    return list(session.scalars(query.order_by(Ticket.id.desc()).limit(limit)))


def _require(session: Session, id: str | int) -> Ticket:
    ticket = get_ticket(session, id)
    if ticket is None:
        raise UnknownTicket(f"no ticket {id}")
    return ticket


def append_to_ticket(session: Session, id: str | int, *, transcript: Iterable[dict[str, Any]] = (),
                     actions: Iterable[dict[str, Any]] = (), note: str | None = None,
                     now: datetime | None = None) -> Ticket:
    """Add transcript lines, actions and a note to a ticket (raises UnknownTicket)."""
    now = as_utc(now or utcnow())
    ticket = _require(session, id)
    _extend(ticket, transcript=transcript, actions=actions)
    if note:
        ticket.notes = [*ticket.notes, {"text": note, "at": iso(now)}]
    ticket.updated_at = now
    publish_ticket(session, ticket, "updated", now)
    return ticket


def resolve_ticket(session: Session, id: str | int, *, code: str, by: str, routing_verdict: str | None = None,
                   now: datetime | None = None) -> Ticket:
    """Close a ticket with a resolution code; `routing_verdict` says whether the rules routed it right."""
    if routing_verdict is not None and routing_verdict not in VERDICTS:
        raise ValueError(f"routing_verdict must be one of {', '.join(VERDICTS)} or None")
    now = as_utc(now or utcnow())
    ticket = _require(session, id)
    ticket.status, ticket.resolution_code, ticket.resolved_by = "resolved", code, by
    ticket.resolved_at, ticket.routing_verdict, ticket.updated_at = now, routing_verdict, now
    publish_ticket(session, ticket, "resolved", now)
    log.info("ticket %s resolved code=%s charger=%s", ticket.ref, code, ticket.charger_id)
    return ticket
