"""A scripted week of support history over a fleet, deterministic for a seed.

Writes through the real models: conversations and their messages (with
intents), tickets (tiers, priorities, SLA, resolutions, routing verdicts),
the bridge's command audit (remote actions with verification) and its status
history (faults and recoveries), so the report and the dashboard have
something meaningful to show on a demo's first run, and tests have a known
population to compute over.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import as_utc, iso
from bot.conversation import records
from bot.conversation.records import MessageRecord
from bot.fleet.models import Charger, Site
from bot.logs import mask_phone
from handoff.models import Ticket
from handoff.sla import DEFAULT_SLA_MINUTES
from ocpp_bridge.models import CommandAudit, StatusEvent

log = logging.getLogger(__name__)

# (intent, weight, what the driver writes, the bot's answer, what happens)
SCRIPTS: list[tuple[str, int, str, str, str]] = [
    ("how_to_pay", 14, "how do I pay at {label}", "You can pay by contactless card, the app or an RFID card.", "answer"),
    ("how_to_start", 10, "how do i start charging", "Plug in first, then tap your card or scan the QR code.", "answer"),
    ("pricing_info", 6, "how much per kWh here", "It is 0.59 per kWh; idle fees start after 45 minutes.", "answer"),
    ("connector_help", 5, "which plug is for a nissan leaf", "The Leaf uses CHAdeMO: the round plug on the left.",
     "answer"),
    ("slow_charging", 8, "only getting 20 kw at {label}",
     "Your battery is cold, so the car limits power; it will speed up as it warms.", "answer"),
    ("start_failure", 14, "{label} won't start", "I restarted {label} and it is available again. Please try now.",
     "reset"),
    ("cable_stuck", 7, "my cable is stuck in {label}", "I have released the lock on {label}; pull the plug now.",
     "unlock"),
    ("charger_unavailable", 7, "{label} says out of order", "{label} has a hardware fault; an engineer is booked.",
     "hardware"),
    ("billing_dispute", 6, "charged twice for my session at {label}", "I have passed this to our billing team.",
     "billing"),
    ("auth_failed", 5, "card not recognised at {label}", "Your card was declined by its provider; try the app.",
     "answer"),
    ("request_human", 4, "can I speak to someone", "Connecting you with a colleague now.", "human"),
    ("safety_hazard", 2, "there is smoke coming from {label}", "Please step away. I have alerted our engineers.",
     "safety"),
]
CHANNELS = [("sms", 34), ("webchat", 30), ("voice", 24), ("whatsapp", 6), ("telegram", 6)]
# contacts per hour of the day (UTC): quiet at night, peaks at commute and lunch
HOURS = [1, 1, 1, 1, 1, 2, 4, 7, 8, 7, 6, 7, 8, 7, 6, 6, 7, 9, 9, 7, 5, 4, 3, 2]
TICKETS = {  # outcome -> (tier, priority, rule, hours to resolve (min, max))
    "reset_failed": ("tier2", "P2", "recovery_did_not_help", (0.3, 3.0)),
    "hardware": ("field_engineering", "P2", "hardware_fault", (4.0, 30.0)),
    "billing": ("tier1", "P3", "billing_dispute", (1.0, 6.0)),
    "human": ("tier1", "P3", "driver_asked_for_human", (0.1, 4.5)),
    "safety": ("field_engineering", "P1", "safety_hazard", (0.1, 0.4)),
}


@dataclass(frozen=True)
class HistorySummary:
    """What was written."""

    conversations: int
    tickets: int
    commands: int
    status_events: int


class _Writer:
    def __init__(self, session: Session, rng: random.Random, now: datetime) -> None:
        self.session, self.rng, self.now = session, rng, now
        self.counts = {"conversations": 0, "tickets": 0, "commands": 0, "status_events": 0}

    def status(self, charger_id: str, at: datetime, kind: str, status: str | None = None,
               connector_id: int | None = None, error_code: str | None = None) -> None:
        if at >= self.now:
            return
        self.session.add(StatusEvent(charger_id=charger_id, kind=kind, connector_id=connector_id, status=status,
                                     error_code=error_code, at=at))
        self.counts["status_events"] += 1

    def command(self, charger_id: str, conversation_id: str, at: datetime, action: str, params: dict[str, Any],
                verified: bool) -> None:
        self.session.add(CommandAudit(charger_id=charger_id, requested_by=f"bot:{conversation_id}", at=at,
                                      action=action, params=params, status="Accepted", answer={"status": "Accepted"},
                                      verified=verified, observed=[], detail=None))
        self.counts["commands"] += 1

    def uuid(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"


def generate_history(session: Session, *, now: datetime, days: int = 7, seed: int = 7,
                     contacts_per_day: int = 40) -> HistorySummary:
    """Write `days` of history ending at `now` for the fleet in the database; the same seed writes the same rows."""
    now = as_utc(now).replace(microsecond=0)
    rng = random.Random(seed)
    chargers = list(session.execute(select(Charger.id, Charger.label, Site.id, Site.type)
                                    .join(Site, Charger.site_id == Site.id).order_by(Charger.id)).all())
    if not chargers:
        raise ValueError("the fleet is empty: import a fleet before generating history")
    writer = _Writer(session, rng, now)
    start = now - timedelta(days=days)
    for charger_id, *_ in chargers:  # every charger was up and known before the week began
        writer.status(charger_id, start - timedelta(days=3), "online")
        writer.status(charger_id, start - timedelta(days=3), "status", "Available", 1)
    # a few chargers that keep failing make repeat incidents visible
    troubled = {c[0] for c in rng.sample(chargers, max(1, len(chargers) // 8))}
    drivers: list[tuple[str, str]] = []
    for day in range(days):
        for _ in range(contacts_per_day + rng.randint(-5, 5)):
            hour = rng.choices(range(24), weights=HOURS)[0]
            at = start + timedelta(days=day, hours=hour, minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
            if at >= now - timedelta(minutes=5):
                continue
            script = rng.choices(SCRIPTS, weights=[s[1] for s in SCRIPTS])[0]
            pool = [c for c in chargers if c[0] in troubled] if script[4] in ("reset", "hardware") and \
                rng.random() < 0.3 else chargers
            charger = rng.choice(pool)
            channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
            driver = (channel, _address(rng, channel))
            drivers.append(driver)
            _contact(writer, script, charger, driver, at)
            if script[4] in ("reset", "hardware", "billing") and rng.random() < 0.3:
                # the driver comes back: the fix did not hold, or they want news of their ticket
                again = at + timedelta(hours=rng.uniform(2, 30))
                if again < now - timedelta(minutes=5):
                    follow = next(s for s in SCRIPTS if s[0] == "charger_unavailable")[:4] + ("answer",)
                    _contact(writer, follow, charger, driver, again)
    session.flush()
    log.info("history generated: %s", writer.counts)
    return HistorySummary(**writer.counts)


def _address(rng: random.Random, channel: str) -> str:
    if channel == "webchat":
        return f"{rng.getrandbits(64):016x}"
    if channel == "telegram":
        return str(rng.randint(10_000_000, 99_999_999))
    number = f"+4915{rng.randint(10_000_000, 99_999_999)}"
    return f"whatsapp:{number}" if channel == "whatsapp" else number


def _contact(w: _Writer, script: tuple[str, int, str, str, str], charger: Any, driver: tuple[str, str],
             at: datetime) -> None:
    intent, _, said, answer, outcome = script
    charger_id, label = charger[0], charger[1]
    rng, cid = w.rng, w.uuid()
    text = said.format(label=label.lower() if driver[0] == "voice" else label)
    messages = [("in", "hello", "greet", 0.97, at), ("out", "Hi, I'm the ChargeLine assistant.", None, None, at),
                ("in", text, intent, round(rng.uniform(0.72, 0.99), 2), at + timedelta(seconds=20))]
    t = at + timedelta(seconds=40)
    if outcome == "reset":
        fault_at = at - timedelta(minutes=rng.randint(5, 90))
        w.status(charger_id, fault_at, "status", "Faulted", 1, "InternalError")
        works = rng.random() < 0.8
        w.command(charger_id, cid, t, "Reset", {"type": "Soft"}, works)
        if works:
            w.status(charger_id, t + timedelta(seconds=rng.randint(25, 70)), "status", "Available", 1)
        else:
            outcome, answer = "reset_failed", f"The restart did not clear the fault on {label}; I opened a ticket."
    elif outcome == "unlock":
        w.command(charger_id, cid, t, "UnlockConnector", {"connector_id": 1}, True)
        w.status(charger_id, t + timedelta(seconds=8), "status", "Available", 1)
    elif outcome in ("hardware", "safety"):
        w.status(charger_id, at - timedelta(minutes=rng.randint(1, 30)), "status",
                 "Faulted" if outcome == "hardware" else "Unavailable", 1 if outcome == "hardware" else 0,
                 "GroundFailure" if outcome == "hardware" else None)
    messages.append(("out", answer.format(label=label), None, None, t + timedelta(seconds=30)))
    last = t + timedelta(seconds=30)
    ticket = None
    if outcome in TICKETS:
        ticket = _ticket(w, outcome, intent, cid, charger, driver, t, messages)
        if outcome == "human":
            last = t + timedelta(minutes=2)
            messages.append(("agent", "Hi, this is Sam from support. Let me look at this for you.", None, None, last))
        if outcome in ("hardware", "safety", "reset_failed") and ticket.resolved_at is not None:
            w.status(charger_id, as_utc(ticket.resolved_at), "status", "Available", 0 if outcome == "safety" else 1)
    handed = ticket is not None or outcome == "human"
    records.add_conversation(
        w.session, [{"delivery_id": None, "direction": direction, "text": body, "at": when, "intent": name,
                     "confidence": confidence, "processed": True, "payload": {}}
                    for direction, body, name, confidence, when in messages],
        id=cid, channel=driver[0], contact=driver[1], mode="agent" if outcome == "human" else "bot",
        status="closed", started_at=at, last_activity_at=last, charger_id=charger_id,
        ticket_id=ticket.ref if ticket is not None else None, state={"charger_id": charger_id, "topic": intent},
        outcome=("transferred" if driver[0] == "voice" else "handed_off") if handed else "resolved_by_bot",
        closed_at=last)
    w.counts["conversations"] += 1


def _ticket(w: _Writer, outcome: str, intent: str, cid: str, charger: Any, driver: tuple[str, str],
            at: datetime, messages: list[Any]) -> Ticket:
    charger_id, label, site_id, site_type = charger
    tier, priority, rule, (low, high) = TICKETS[outcome]
    rng = w.rng
    sla_due = at + timedelta(minutes=DEFAULT_SLA_MINUTES[priority])
    resolved_at: datetime | None = at + timedelta(hours=rng.uniform(low, high))
    if resolved_at is not None and resolved_at >= w.now:
        resolved_at = None
    # an agent picks the ticket up: mostly within the SLA, sometimes late
    minutes = DEFAULT_SLA_MINUTES[priority] * rng.choice([0.2, 0.4, 0.6, 0.8, 0.9, 1.5])
    picked = at + timedelta(minutes=minutes)
    notes = [{"text": "Picked up; looking into it.", "by": "demo-agent", "at": iso(picked)}] if picked < w.now else []
    verdict = None
    if resolved_at is not None:
        verdict = rng.choices(["correct", "wrong", None], weights=[80, 12, 8])[0]
    ticket = Ticket(
        created_at=at, updated_at=resolved_at or at, status="resolved" if resolved_at else "open",
        channel=driver[0], contact=mask_phone(driver[1]), contact_address=driver[1], charger_id=charger_id,
        connector_id=1, site_id=site_id, site_type=site_type, intent=intent, nlu_confidence=messages[2][3],
        tier=tier, priority=priority, sla_due=sla_due, rule=rule, problem=rule or intent,
        summary=f"Driver on {driver[0]} reports: {messages[2][1]} ({label}).", charger_snapshot=None,
        actions=[], transcript=[records.transcript_line(MessageRecord(None, d, b, t), with_id=False)
                                for d, b, _, _, t in messages],
        notes=notes, suggested_next_step="", conversation_id=cid,
        resolution_code=("fixed_on_site" if tier == "field_engineering" else "resolved") if resolved_at else None,
        resolved_at=resolved_at, resolved_by="demo-agent" if resolved_at else None, routing_verdict=verdict)
    w.session.add(ticket)
    w.session.flush()
    w.counts["tickets"] += 1
    return ticket
