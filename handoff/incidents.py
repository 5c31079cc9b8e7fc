"""Network-wide incidents: one incident for an outage many drivers report, their contacts linked to it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.clock import as_utc, iso
from bot.conversation.records import complaints
from bot.logs import mask_phone
from handoff.models import Incident, IncidentContact, Ticket
from handoff.rules import RuleSet, load_rules
from handoff.tickets import lock_problem, publish_ticket, ticket_json

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _default_rules() -> RuleSet:
    return load_rules(None)


def active_incident(session: Session, kind: str, now: datetime) -> Incident | None:
    """The open incident of this kind (e.g. "network_payment_outage"), so the bot can say it is known."""
    return session.scalars(
        select(Incident)
        .where(Incident.kind == kind, Incident.status == "open", Incident.opened_at <= as_utc(now))
        .order_by(Incident.id.desc())
        .limit(1)
    ).first()


def check_network_incident(session: Session, now: datetime, rules: RuleSet | None = None) -> Incident | None:
    """Open (or extend) the network-wide incident when recent complaints span enough chargers and sites."""
    rule = (rules or _default_rules()).network
    if rule is None:
        return None
    now = as_utc(now)
    since = now - timedelta(minutes=rule.window_minutes)
    recent = list(session.scalars(
        # a ticket the rule itself routed (a driver caught in the outage) belongs to it whatever its intent
        select(Ticket).where(or_(Ticket.intent.in_(rule.intents), Ticket.rule == rule.name),
                             Ticket.updated_at >= since,
                             Ticket.status.in_(("open", "in_progress")))
    ))
    lock_problem(session, "network", rule.name)  # two workers checking at once must not open two incidents
    reports = complaints(session, rule.intents, since, now)
    chargers = {t.charger_id for t in recent if t.charger_id} | {r.charger_id for r in reports if r.charger_id}
    sites = {t.site_id for t in recent if t.site_id} | {r.site_id for r in reports if r.site_id}
    incident = active_incident(session, rule.name, now)
    if incident is None:
        if len(chargers) < rule.chargers_at_least or len(sites) < rule.sites_at_least:
            return None
        incident = Incident(kind=rule.name, tier=rule.tier, priority=rule.priority, status="open",
                            opened_at=now, updated_at=now, summary=rule.reason)
        session.add(incident)
        session.flush()
        log.warning("incident %s opened kind=%s chargers=%d sites=%d", incident.ref, rule.name,
                    len(chargers), len(sites))
    for ticket in recent:
        if ticket.incident_id is None:
            _link_ticket(session, incident, ticket, now)
    session.flush()
    linked = set(session.scalars(select(IncidentContact.conversation_id).where(
        IncidentContact.incident_id == incident.id, IncidentContact.conversation_id.is_not(None))))
    for report in reports:
        if report.conversation_id not in linked:
            link_contact(session, incident, channel=report.channel, contact=report.contact, now=now,
                         charger_id=report.charger_id, site_id=report.site_id,
                         conversation_id=report.conversation_id)
    next_step = f" Next step: {rule.next_step}" if rule.next_step else ""
    _summarise(session, incident, rule.reason, now, next_step)
    return incident


def _link_ticket(session: Session, incident: Incident, ticket: Ticket, now: datetime) -> None:
    ticket.incident_id = incident.id
    ticket.notes = [*ticket.notes, {"text": f"Linked to incident {incident.ref} ({incident.kind})", "at": iso(now)}]
    ticket.updated_at = now
    known = session.scalars(select(IncidentContact).where(
        IncidentContact.incident_id == incident.id, IncidentContact.conversation_id == ticket.conversation_id)
    ).first() if ticket.conversation_id else None
    if known is not None:  # the driver was linked from their conversation already: one driver, one row
        known.ticket_id = ticket.id
    else:
        session.add(IncidentContact(incident_id=incident.id, channel=ticket.channel, contact=ticket.contact,
                                    contact_address=ticket.contact_address, charger_id=ticket.charger_id,
                                    site_id=ticket.site_id, conversation_id=ticket.conversation_id,
                                    ticket_id=ticket.id, at=now))
    publish_ticket(session, ticket, "updated", now)


def link_contact(session: Session, incident: Incident, *, channel: str, contact: str, now: datetime,
                 charger_id: str | None = None, site_id: str | None = None,
                 conversation_id: str | None = None) -> IncidentContact:
    """Record one more driver affected by a known incident (instead of opening another ticket)."""
    row = IncidentContact(incident_id=incident.id, channel=channel, contact=mask_phone(contact),
                          contact_address=contact or None, charger_id=charger_id, site_id=site_id,
                          conversation_id=conversation_id, at=as_utc(now))
    session.add(row)
    incident.updated_at = as_utc(now)
    session.flush()
    log.info("contact linked to incident %s charger=%s conversation=%s", incident.ref, charger_id, conversation_id)
    return row


def _summarise(session: Session, incident: Incident, reason: str, now: datetime, next_step: str = "") -> None:
    contacts = list(session.scalars(select(IncidentContact).where(IncidentContact.incident_id == incident.id)))
    chargers = {c.charger_id for c in contacts if c.charger_id}
    sites = {c.site_id for c in contacts if c.site_id}
    incident.summary = (f"{reason} {len(contacts)} contacts so far, {len(chargers)} chargers "
                        f"across {len(sites)} sites.{next_step}")
    incident.updated_at = now


def resolve_incident(session: Session, incident: Incident, *, now: datetime) -> None:
    """Close an incident (its tickets stay as they are, each resolved on its own)."""
    incident.status, incident.resolved_at, incident.updated_at = "resolved", as_utc(now), as_utc(now)
    log.info("incident %s resolved", incident.ref)


def list_incidents(session: Session, *, status: str | None = None, limit: int = 50) -> list[Incident]:
    """Incidents, newest first."""
    query = select(Incident)
    if status is not None:
        query = query.where(Incident.status == status)
    return list(session.scalars(query.order_by(Incident.id.desc()).limit(limit)))


def incident_json(session: Session, incident: Incident) -> dict[str, Any]:
    """The incident as docs/api.md shows it, with its tickets and (masked) contacts."""
    tickets = session.scalars(select(Ticket).where(Ticket.incident_id == incident.id).order_by(Ticket.id))
    contacts = session.scalars(select(IncidentContact).where(IncidentContact.incident_id == incident.id)
                               .order_by(IncidentContact.id))
    return {
        "id": incident.ref, "kind": incident.kind, "tier": incident.tier, "priority": incident.priority,
        "status": incident.status, "opened_at": iso(incident.opened_at), "summary": incident.summary,
        "resolved_at": iso(incident.resolved_at),
        "tickets": [ticket_json(t) for t in tickets],
        "contacts": [{"channel": c.channel, "contact": c.contact, "charger_id": c.charger_id,
                      "site_id": c.site_id, "at": iso(c.at)} for c in contacts],
    }
