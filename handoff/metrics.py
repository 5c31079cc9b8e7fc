"""Support metrics, computed from what is stored (never from counters that can drift).

Every function takes a session, a `Window` [since, until) and `Filters`
(site type and/or channel) and reads conversations, tickets, the bridge's
command audit and its status history. Definitions:

- **contact**: a conversation that *started* in the window and holds at least
  one message from the driver. Its *intent* is the intent of its first driver
  message that names a problem (greetings, yes/no, thanks and bare data
  answers skipped; "unknown" if none); its *site type* is that of the charger
  it was about ("none" when no charger was identified).
- **deflection rate**: contacts that no human touched (no ticket linked to the
  conversation, no agent message in it) / contacts.
- **first-contact resolution (FCR)**: contacts that needed no follow-up:
  no ticket left open after the conversation (no ticket, or its ticket was
  resolved by the conversation's last activity) *and* the same driver (same
  channel and address) did not start another conversation within 48 hours of
  this one's last activity *and* it was not abandoned (a call hung up
  mid-flow, outcome `abandoned` from Twilio's status callback) / contacts.
- **time to remote recovery**: for each contact in which the bot's remote
  command (audit `requested_by = bot:<conversation id>`) was verified, the
  time from the driver's first message to the first `Available` status the
  charger reported at or after that command (the command's own time if the
  history holds none). Reported as count, median and 90th percentile (s).
- **repeat incident rate**: incidents (tickets about a charger's own fault:
  intent start_failure, charger_unavailable, error_message, charging_stopped,
  cable_stuck, slow_charging, safety_hazard or report_damage) created in the
  window that were opened within 7 days after an earlier incident on the same
  charger was resolved (the fix did not hold) / incidents; also per charger.
- **escalation accuracy**: tickets created in the window whose routing the
  resolving agent marked `correct` / tickets with any `routing_verdict`;
  overall and per tier.
- **post-intervention uptime**: for each intervention in the window (a remote
  command the charger accepted, or a resolved ticket on a charger; several on
  one charger within an hour count once), the charger's availability in the
  3 days before vs the 3 days after (up to now), from status history (see
  `handoff.metrics_timeline`); reported as the mean of each over the
  interventions where both are known.
- **contact volume**: contacts counted by intent, channel, site type and hour
  of the day (UTC) the conversation started.
- **outcomes by channel**: per channel, how its contacts ended as recorded when
  the conversation closed (`resolved_by_bot`, `transferred`, `handed_off`,
  `abandoned`, `expired`; `open` while it lasts), and the bot-resolution rate:
  contacts resolved by the bot / contacts that have ended.
- **SLA attainment per tier**: the SLA is how long a ticket may wait for a
  human. A ticket's first human response is the earliest of: an agent message
  in its conversation, a note an agent wrote on it (a note with `by`), its
  resolution. Tickets created in the window answered by `sla_due` / tickets
  decided (answered, or still unanswered after `sla_due` at `now`);
  unanswered tickets not yet due are left out.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import as_utc, iso, utcnow
from bot.conversation import records
from bot.conversation.records import ConversationRecord, MessageRecord
from bot.fleet.models import Charger, Site
from handoff.metrics_timeline import Event, availability
from handoff.models import Ticket, ticket_ref
from ocpp_bridge.models import CommandAudit, StatusEvent

REPEAT_CONTACT = timedelta(hours=48)
REPEAT_INCIDENT = timedelta(days=7)
UPTIME_SPAN = timedelta(days=3)
SAME_INTERVENTION = timedelta(hours=1)
NOT_A_PROBLEM = frozenset({"greet", "goodbye", "thanks", "affirm", "deny", "inform"})
# tickets about the charger itself (a billing dispute on a charger is not an incident of that charger)
FAULT_INTENTS = frozenset({"start_failure", "charger_unavailable", "error_message", "charging_stopped",
                           "cable_stuck", "slow_charging", "safety_hazard", "report_damage"})


@dataclass(frozen=True)
class Window:
    """The period a report covers: [since, until)."""

    since: datetime
    until: datetime


@dataclass(frozen=True)
class Filters:
    """Narrow a report to one site type and/or one channel."""

    site_type: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Rate:
    """A ratio with its parts; `value` is None when nothing was counted."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def to_json(self) -> dict[str, Any]:
        return {"numerator": self.numerator, "denominator": self.denominator, "value": self.value}


@dataclass(frozen=True)
class Contact:
    """One conversation with the facts the metrics need."""

    id: str
    channel: str
    contact: str
    started_at: datetime
    last_activity_at: datetime
    charger_id: str | None
    site_type: str
    intent: str
    first_message_at: datetime
    human: bool
    tickets: tuple[Ticket, ...] = field(default=())
    outcome: str | None = None  # set when the conversation was closed (bot.conversation.store)


def site_types(session: Session) -> dict[str, str]:
    """Charger id -> its site's type."""
    return dict(session.execute(select(Charger.id, Site.type).join(Site, Charger.site_id == Site.id)).all())


def contacts(session: Session, window: Window, filters: Filters = Filters()) -> list[Contact]:
    """The window's contacts (conversations with a driver message), with their derived facts."""
    types = site_types(session)
    conversations = [c for c in records.started_between(session, window.since, window.until, filters.channel)
                     if not filters.site_type or types.get(c.charger_id or "") == filters.site_type]
    messages = records.messages_of(session, [c.id for c in conversations])
    tickets = _tickets_by_conversation(session, conversations)
    result = []
    for c in conversations:
        inbound = [m for m in messages.get(c.id, []) if m.direction == "in"]
        if not inbound:
            continue
        linked = tickets.get(c.id, ())
        human = bool(linked) or any(m.direction == "agent" for m in messages.get(c.id, []))
        result.append(Contact(
            id=c.id, channel=c.channel, contact=c.contact, started_at=as_utc(c.started_at),
            last_activity_at=as_utc(c.last_activity_at), charger_id=c.charger_id,
            site_type=types.get(c.charger_id or "", "none"), intent=_intent(inbound),
            first_message_at=as_utc(inbound[0].at), human=human, tickets=tuple(linked), outcome=c.outcome))
    return result


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[i:i + size] for i in range(0, len(values), size)]


def _intent(inbound: list[MessageRecord]) -> str:
    for message in inbound:
        if message.intent and message.intent not in NOT_A_PROBLEM:
            return message.intent
    return "unknown"


def _tickets_by_conversation(session: Session, conversations: list[ConversationRecord]) -> dict[str, list[Ticket]]:
    # a driver whose problem was merged into an existing ticket links to it by ref only
    by_ref = {c.ticket_id: c.id for c in conversations if c.ticket_id}
    ids = [c.id for c in conversations]
    found: dict[str, dict[int, Ticket]] = defaultdict(dict)
    for chunk in _chunks(ids):
        for t in session.scalars(select(Ticket).where(Ticket.conversation_id.in_(chunk))):
            found[t.conversation_id or ""][t.id] = t
    numbers = [int(ref[2:]) for ref in by_ref if ref.startswith("T-") and ref[2:].isdigit()]
    for start in range(0, len(numbers), 500):
        for t in session.scalars(select(Ticket).where(Ticket.id.in_(numbers[start:start + 500]))):
            found[by_ref[ticket_ref(t.id)]][t.id] = t
    return {cid: list(rows.values()) for cid, rows in found.items()}


def deflection(items: list[Contact]) -> Rate:
    """Contacts no human touched / contacts."""
    return Rate(sum(1 for c in items if not c.human), len(items))


def first_contact_resolution(session: Session, items: list[Contact]) -> Rate:
    """Contacts with no ticket left open, no repeat contact within 48 h and not abandoned / contacts."""
    if not items:
        return Rate(0, 0)
    last = max(c.last_activity_at for c in items) + REPEAT_CONTACT
    first = min(c.started_at for c in items)
    later: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for channel, contact, started in records.starts_after(session, first, last):
        later[(channel, contact)].append(started)
    resolved = 0
    for c in items:
        open_after = any(t.resolved_at is None or as_utc(t.resolved_at) > c.last_activity_at for t in c.tickets)
        again = any(c.started_at < at <= c.last_activity_at + REPEAT_CONTACT for at in later[(c.channel, c.contact)])
        resolved += not open_after and not again and c.outcome != "abandoned"
    return Rate(resolved, len(items))


def time_to_remote_recovery(session: Session, items: list[Contact]) -> dict[str, Any]:
    """Seconds from the driver's first message to the charger back `Available` after a verified bot command."""
    by_requester = {f"bot:{c.id}": c for c in items if c.charger_id}
    durations: list[float] = []
    for chunk in _chunks(list(by_requester)):
        audits = session.scalars(select(CommandAudit).where(CommandAudit.requested_by.in_(chunk),
                                                            CommandAudit.verified.is_(True))
                                 .order_by(CommandAudit.at))
        seen: set[str] = set()
        for audit in audits:
            if audit.requested_by in seen:
                continue
            seen.add(audit.requested_by)
            contact = by_requester[audit.requested_by]
            back = session.scalar(select(StatusEvent.at).where(
                StatusEvent.charger_id == audit.charger_id, StatusEvent.kind == "status",
                StatusEvent.status == "Available", StatusEvent.at >= audit.at).order_by(StatusEvent.at).limit(1))
            recovered = as_utc(back if back is not None else audit.at)
            durations.append(max(0.0, (recovered - contact.first_message_at).total_seconds()))
    return _summary(durations)


def _summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "median_s": None, "p90_s": None}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, max(0, -(-9 * len(ordered) // 10) - 1))]  # nearest rank
    return {"n": len(values), "median_s": statistics.median(ordered), "p90_s": p90}


def _tickets(session: Session, window: Window, filters: Filters) -> list[Ticket]:
    query = select(Ticket).where(Ticket.created_at >= window.since, Ticket.created_at < window.until)
    if filters.site_type:
        query = query.where(Ticket.site_type == filters.site_type)
    if filters.channel:
        query = query.where(Ticket.channel == filters.channel)
    return list(session.scalars(query.order_by(Ticket.created_at, Ticket.id)))


def repeat_incidents(session: Session, window: Window, filters: Filters = Filters()) -> dict[str, Any]:
    """Incidents on a charger opened within 7 days of an earlier resolved one there / incidents."""
    tickets = [t for t in _tickets(session, window, filters) if t.charger_id and t.intent in FAULT_INTENTS]
    chargers = sorted({t.charger_id for t in tickets if t.charger_id})
    resolved: dict[str, list[datetime]] = defaultdict(list)
    for start in range(0, len(chargers), 500):
        for charger_id, at in session.execute(select(Ticket.charger_id, Ticket.resolved_at).where(
                Ticket.charger_id.in_(chargers[start:start + 500]), Ticket.resolved_at.is_not(None),
                Ticket.intent.in_(FAULT_INTENTS))):
            if charger_id and at is not None:
                resolved[charger_id].append(as_utc(at))
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for t in tickets:
        created = as_utc(t.created_at)
        repeat = any(created - REPEAT_INCIDENT <= at < created for at in resolved[t.charger_id or ""])
        per[t.charger_id or ""][0] += 1
        per[t.charger_id or ""][1] += repeat
    ordered = sorted(per.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))
    rows = [{"charger_id": k, "tickets": v[0], "repeats": v[1]} for k, v in ordered]
    total = Rate(sum(v[1] for v in per.values()), sum(v[0] for v in per.values()))
    return {"rate": total.to_json(), "by_charger": rows}


def escalation_accuracy(session: Session, window: Window, filters: Filters = Filters()) -> dict[str, Any]:
    """Tickets whose routing was judged `correct` / tickets with a verdict; overall and per tier."""
    judged = [t for t in _tickets(session, window, filters) if t.routing_verdict]
    tiers = sorted({t.tier for t in judged})
    per_tier = {tier: Rate(sum(1 for t in judged if t.tier == tier and t.routing_verdict == "correct"),
                           sum(1 for t in judged if t.tier == tier)).to_json() for tier in tiers}
    overall = Rate(sum(1 for t in judged if t.routing_verdict == "correct"), len(judged))
    return {"overall": overall.to_json(), "by_tier": per_tier}


def sla_attainment(session: Session, window: Window, filters: Filters = Filters(),
                   now: datetime | None = None) -> dict[str, Any]:
    """Per tier: tickets a human answered by `sla_due` / tickets answered or overdue at `now`."""
    now = as_utc(now or utcnow())
    tickets = _tickets(session, window, filters)
    agent_said = records.first_agent_messages(session, sorted({t.conversation_id for t in tickets
                                                               if t.conversation_id}))
    met: Counter[str] = Counter()
    decided: Counter[str] = Counter()
    for t in tickets:
        due = as_utc(t.sla_due)
        answered = first_response(t, agent_said.get(t.conversation_id or ""))
        if answered is not None:
            decided[t.tier] += 1
            met[t.tier] += answered <= due
        elif now > due:
            decided[t.tier] += 1
    return {tier: Rate(met[tier], decided[tier]).to_json() for tier in sorted(decided)}


def first_response(ticket: Ticket, agent_message_at: datetime | None = None) -> datetime | None:
    """When a human first answered a ticket: agent message, an agent's note, or resolution; None if not yet."""
    times = [as_utc(ticket.resolved_at)] if ticket.resolved_at is not None else []
    if agent_message_at is not None:
        times.append(agent_message_at)
    for note in ticket.notes or []:
        if isinstance(note, dict) and note.get("by") and note.get("at"):
            try:
                times.append(as_utc(datetime.fromisoformat(str(note["at"]))))
            except ValueError:
                continue
    return min(times, default=None)


def post_intervention_uptime(session: Session, window: Window, filters: Filters = Filters(),
                             now: datetime | None = None) -> dict[str, Any]:
    """Mean availability in the 3 days before vs after each intervention (both known)."""
    now = as_utc(now or utcnow())
    types = site_types(session)
    points: list[tuple[str, datetime]] = [
        (c, as_utc(at)) for c, at in session.execute(select(CommandAudit.charger_id, CommandAudit.at).where(
            CommandAudit.at >= window.since, CommandAudit.at < window.until, CommandAudit.status == "Accepted"))]
    points += [(c, as_utc(at)) for c, at in session.execute(select(Ticket.charger_id, Ticket.resolved_at).where(
        Ticket.resolved_at >= window.since, Ticket.resolved_at < window.until, Ticket.charger_id.is_not(None)))
        if c and at is not None]
    if filters.site_type:
        points = [p for p in points if types.get(p[0]) == filters.site_type]
    interventions: list[tuple[str, datetime]] = []
    last: dict[str, datetime] = {}
    for charger_id, at in sorted(points, key=lambda p: (p[0], p[1])):
        if charger_id in last and at - last[charger_id] < SAME_INTERVENTION:
            continue
        last[charger_id] = at
        interventions.append((charger_id, at))
    history = _history(session, sorted(last), max((at for _, at in interventions), default=now) + UPTIME_SPAN)
    before: list[float] = []
    after: list[float] = []
    for charger_id, at in interventions:
        pre = availability(history[charger_id], at - UPTIME_SPAN, at)
        post = availability(history[charger_id], at, min(now, at + UPTIME_SPAN))
        if pre is not None and post is not None:
            before.append(pre)
            after.append(post)
    return {"n": len(before), "before": statistics.fmean(before) if before else None,
            "after": statistics.fmean(after) if after else None, "days": UPTIME_SPAN.days}


def _history(session: Session, chargers: list[str], until: datetime) -> dict[str, list[Event]]:
    events: dict[str, list[Event]] = defaultdict(list)
    for start in range(0, len(chargers), 500):
        for row in session.execute(select(StatusEvent.charger_id, StatusEvent.at, StatusEvent.kind,
                                          StatusEvent.connector_id, StatusEvent.status).where(
                StatusEvent.charger_id.in_(chargers[start:start + 500]), StatusEvent.at < until)):
            events[row.charger_id].append(Event(as_utc(row.at), row.kind, row.connector_id, row.status))
    return events


def contact_volume(items: list[Contact]) -> dict[str, dict[str, int]]:
    """Contacts counted by intent, channel, site type and hour of day (UTC)."""
    hours = Counter(f"{c.started_at.hour:02d}" for c in items)
    return {
        "by_intent": dict(Counter(c.intent for c in items).most_common()),
        "by_channel": dict(Counter(c.channel for c in items).most_common()),
        "by_site_type": dict(Counter(c.site_type for c in items).most_common()),
        "by_hour": {f"{h:02d}": hours.get(f"{h:02d}", 0) for h in range(24)},
    }


def outcomes_by_channel(items: list[Contact]) -> dict[str, dict[str, Any]]:
    """How each channel's contacts ended (outcome counts, `open` while they last) and its bot-resolution rate.

    The rate is contacts the bot resolved on its own / contacts that have ended; open ones are left out.
    """
    by_channel: dict[str, Counter[str]] = {}
    for c in items:
        by_channel.setdefault(c.channel, Counter())[c.outcome or "open"] += 1
    out: dict[str, dict[str, Any]] = {}
    for channel, counts in sorted(by_channel.items(), key=lambda kv: -sum(kv[1].values())):
        ended = sum(n for outcome, n in counts.items() if outcome != "open")
        out[channel] = {"outcomes": dict(counts.most_common()),
                        "bot_resolved": Rate(counts.get("resolved_by_bot", 0), ended).to_json()}
    return out


def compute_all(session: Session, window: Window, filters: Filters = Filters(),
                now: datetime | None = None) -> dict[str, Any]:
    """Every metric for the window as one JSON-ready dict (what the report and the dashboard show)."""
    now = as_utc(now or utcnow())
    items = contacts(session, window, filters)
    return {
        "window": {"since": iso(window.since), "until": iso(window.until)},
        "filters": asdict(filters),
        "contacts": len(items),
        "first_contact_resolution": first_contact_resolution(session, items).to_json(),
        "deflection": deflection(items).to_json(),
        "time_to_remote_recovery": time_to_remote_recovery(session, items),
        "repeat_incidents": repeat_incidents(session, window, filters),
        "escalation_accuracy": escalation_accuracy(session, window, filters),
        "post_intervention_uptime": post_intervention_uptime(session, window, filters, now),
        "contact_volume": contact_volume(items),
        "outcomes_by_channel": outcomes_by_channel(items),
        "sla_attainment": sla_attainment(session, window, filters, now),
    }
