"""What the console shows: an agent's queue, one ticket's page data, and the transcript lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from bot.conversation import records
from handoff.clock import as_utc, iso, utcnow
from handoff.console.auth import AgentIdentity
from handoff.console.wording import charger_line, describe_action, next_step
from handoff.models import OPEN_STATUSES, PRIORITIES, Ticket
from handoff.names import human
from handoff.sla import sla_clock
from handoff.tickets import get_ticket
from ocpp_bridge.snapshot import ChargerSnapshot, Connector

QUEUE_LIMIT = 200
TRANSCRIPT_LIMIT = 500
# a fixed list, so the resolution codes can be counted
RESOLUTION_CODES = {
    "fixed_remotely": "Fixed remotely (reset, unlock, restart)",
    "fixed_on_site": "Fixed on site by an engineer",
    "driver_guided": "Driver guided (how-to, payment, plug)",
    "billing_adjusted": "Billing corrected or refunded",
    "no_fault_found": "No fault found",
    "duplicate": "Duplicate of another ticket",
    "other": "Other (see notes)",
}
_PRIORITY_ORDER = case({p: i for i, p in enumerate(PRIORITIES)}, value=Ticket.priority, else_=len(PRIORITIES))


class ConsoleRefusal(Exception):
    """A ticket the agent may not see (403) or that does not exist (404)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def queue_tickets(session: Session, agent: AgentIdentity) -> list[Ticket]:
    """The open tickets of the agent's tiers, most urgent first (priority, then SLA due, then age)."""
    query = (select(Ticket).where(Ticket.status.in_(OPEN_STATUSES), Ticket.tier.in_(agent.tiers))
             .order_by(_PRIORITY_ORDER, Ticket.sla_due, Ticket.id).limit(QUEUE_LIMIT))
    return list(session.scalars(query))


def row_json(ticket: Ticket, now: datetime | None = None) -> dict[str, Any]:
    """One queue row: enough to sort, show and count down the SLA in the browser (ids and their names)."""
    summary = ticket.summary if len(ticket.summary) <= 180 else ticket.summary[:177] + "..."
    clock = sla_clock(created_at=as_utc(ticket.created_at), sla_due=as_utc(ticket.sla_due),
                      first_response_at=as_utc(ticket.first_response_at) if ticket.first_response_at else None,
                      resolved_at=as_utc(ticket.resolved_at) if ticket.resolved_at else None, now=now or utcnow())
    return {"id": ticket.ref, "priority": ticket.priority, "tier": ticket.tier, "status": ticket.status,
            "charger_id": ticket.charger_id, "intent": ticket.intent, "channel": ticket.channel,
            "summary": summary, "sla_due": iso(ticket.sla_due), "created_at": iso(ticket.created_at),
            "first_response_at": iso(ticket.first_response_at), "resolved_at": iso(ticket.resolved_at),
            "sla": clock.text, "sla_late": clock.late, "updated_at": iso(ticket.updated_at),
            "tier_name": human("tier", ticket.tier), "status_name": human("status", ticket.status),
            "intent_name": human("intent", ticket.intent), "channel_name": human("channel", ticket.channel),
            "rank": PRIORITIES.index(ticket.priority) if ticket.priority in PRIORITIES else len(PRIORITIES)}


def ticket_for(session: Session, agent: AgentIdentity, ticket_id: str) -> Ticket:
    """The ticket, if it exists and is of the agent's tiers; else ConsoleRefusal 404 or 403."""
    ticket = get_ticket(session, ticket_id)
    if ticket is None:
        raise ConsoleRefusal(404, f"There is no ticket {ticket_id}.")
    if not agent.may_act_on(ticket.tier):
        raise ConsoleRefusal(403, f"Ticket {ticket.ref} is a {ticket.tier} ticket; as {agent.role} you work "
                                  f"{', '.join(agent.tiers)} tickets.")
    return ticket


def messages_after(session: Session, conversation_id: str, after_id: int = 0,
                   limit: int = TRANSCRIPT_LIMIT) -> list[dict[str, Any]]:
    """The conversation's messages with an id above `after_id`, oldest first."""
    return [records.transcript_line(m) for m in records.messages_after(session, conversation_id, after_id, limit)]


def transcript(session: Session, ticket: Ticket) -> list[dict[str, Any]]:
    """The live transcript when the ticket came from a stored conversation, else the one on the ticket."""
    if ticket.conversation_id:
        lines = messages_after(session, ticket.conversation_id)
        if lines:
            return lines
    return [{"id": None, "from": line.get("from"), "text": line.get("text"), "at": line.get("at")}
            for line in ticket.transcript if isinstance(line, dict)]


def connector_rows(reported: ChargerSnapshot | None, live: ChargerSnapshot | None) -> list[dict[str, Any]]:
    """Each connector's status when the ticket was opened (what the summary says) beside its status now."""
    then = {c.id: c for c in reported.connectors} if reported is not None else {}
    now = {c.id: c for c in live.connectors} if live is not None else {}
    rows = []
    for cid in sorted(set(then) | set(now), key=str):
        old, new = then.get(cid), now.get(cid)
        rows.append({"id": cid, "type": _first(new, old, "type") or "",
                     "reported": _first(old, None, "status") or "–",
                     "now": _first(new, None, "status") or ("–" if live is None else "Unknown"),
                     "error_code": _first(new, old, "error_code") or ""})
    return rows


def _first(new: Connector | None, old: Connector | None, name: str) -> Any:
    """The first non-empty value of this field, from the live connector, else from the one at the ticket."""
    return next((getattr(c, name) for c in (new, old) if c is not None and getattr(c, name)), None)


def stored_snapshot(ticket: Ticket) -> ChargerSnapshot | None:
    """The snapshot stored on the ticket (a JSON dict, possibly from an older version), typed; None without one."""
    data = ticket.charger_snapshot
    return ChargerSnapshot.from_json(data) if isinstance(data, dict) and data else None


def ticket_facts(ticket: Ticket, live: ChargerSnapshot | None, now: datetime | None = None) -> dict[str, Any]:
    """What the ticket page shows in words: the SLA clock, the charger line and connectors, actions, next step."""
    clock = sla_clock(created_at=as_utc(ticket.created_at), sla_due=as_utc(ticket.sla_due),
                      first_response_at=as_utc(ticket.first_response_at) if ticket.first_response_at else None,
                      resolved_at=as_utc(ticket.resolved_at) if ticket.resolved_at else None, now=now or utcnow())
    return {"sla": clock, "first_response_at": iso(ticket.first_response_at),
            "charger_line": charger_line(live) if live is not None else None,
            "connectors": connector_rows(stored_snapshot(ticket), live),
            "actions": [{"words": describe_action(a), "at": a.get("at")} for a in ticket.actions or []
                        if isinstance(a, dict)],
            "next_step": next_step(ticket.suggested_next_step, ticket.channel, ticket.contact_address),
            "tier": human("tier", ticket.tier), "status": human("status", ticket.status),
            "channel": human("channel", ticket.channel), "intent": human("intent", ticket.intent)}
