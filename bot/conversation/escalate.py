"""Hand over to a human: a pre-filled ticket first, then a reply that carries the handoff."""

from __future__ import annotations

import logging
from typing import Any

from bot.conversation.describe import active_session
from bot.conversation.turn import Turn
from bot.logs import mask_phone
from bot.messages import Handoff, Reply

log = logging.getLogger(__name__)

KNOWN_PROBLEM = "This looks like a known problem across our network, and our team is already working on it."
TIER_WORDS = {"tier1": "our support team", "tier2": "our technical team",
              "field_engineering": "our field engineers", "platform_ops": "our operations team"}


def recent_failures(turn: Turn) -> int | None:
    """Failed sessions on the conversation's charger within the rules' window (read once per turn)."""
    charger_id = turn.state.charger_id
    if charger_id is None or turn.deps.rules is None:
        return None
    key = f"failures:{charger_id}"
    if key not in turn.memo:
        try:
            with turn.db() as session:
                turn.memo[key] = turn.deps.rules.recent_failures(session, charger_id, turn.now)
        except Exception:  # history is advice; the rules fall back to the snapshot's sessions
            log.exception("recent failures unavailable conversation=%s charger=%s", turn.conversation_id,
                          charger_id)
            turn.memo[key] = None
    return turn.memo[key]


def known_incident(turn: Turn, intent: str | None = None, *, fresh: bool = False) -> str | None:
    """The open network-wide incident (its ref) this driver's problem belongs to; checked and linked once per turn.

    `fresh` checks again (after a ticket was opened: tickets count towards the incident and get linked to it).
    """
    intent = intent or turn.state.intent or turn.understood.intent
    if not intent:
        return None
    key = f"incident:{intent}"
    if fresh or key not in turn.memo:
        charger_id = turn.state.charger_id
        entry = turn.deps.directory.get(charger_id) if charger_id else None
        report = {"channel": turn.message.channel, "contact": turn.message.contact, "charger_id": charger_id,
                  "site_id": entry.site_id if entry else None, "conversation_id": turn.conversation_id}
        try:
            with turn.db() as session:
                incident = turn.deps.tickets.network_incident(session, intent, report, turn.now)
                turn.memo[key] = incident.ref if incident is not None else None
        except Exception:  # an incident lookup is a nicety; the dialogue goes on without it
            log.exception("incident check failed conversation=%s", turn.conversation_id)
            turn.memo[key] = None
    return turn.memo[key]


def facts(turn: Turn, **extra: Any) -> dict[str, Any]:
    """What the escalation rules look at for this turn."""
    snap = turn.snapshot() if turn.state.charger_id else None
    data: dict[str, Any] = {
        "intent": turn.state.intent or turn.understood.intent,
        "nlu_confidence": turn.understood.confidence,
        "channel": turn.message.channel,
        "charger_id": turn.state.charger_id,
        "connector_id": turn.state.connector_id,
        "site_type": (snap or {}).get("site_type"),
        "online": (snap or {}).get("online"),
        "actions": list(turn.state.actions),
        "clarifications": turn.state.clarifications,
        "safety": bool(turn.state.safety_chargers),
        "snapshot": snap or {},
        "failed_sessions_recent": recent_failures(turn),
    }
    data.update(extra)
    return data


def open_ticket(turn: Turn, *, tier: str, priority: str, rule: str, summary: str, next_step: str,
                consult_rules: bool = True) -> Any | None:
    """Open a pre-filled ticket (deduplicated by the handoff package); None if that fails."""
    state = turn.state
    if consult_rules and turn.deps.rules is not None:
        try:
            hit = turn.deps.rules.evaluate(facts(turn, proposed_tier=tier, proposed_priority=priority))
        except Exception:  # the rules are advice here; a bad rule must not cost the driver the ticket
            log.exception("escalation rules failed conversation=%s", turn.conversation_id)
            hit = None
        if hit is not None and _rank(hit.priority) < _rank(priority):
            tier, priority, rule = hit.tier, hit.priority, hit.rule
    snap = None
    try:
        snap = turn.snapshot() if state.charger_id else None
    except Exception:
        log.exception("no snapshot for ticket conversation=%s", turn.conversation_id)
    failures = recent_failures(turn)
    if failures:
        summary += (f" {failures} failed session{'s' if failures != 1 else ''} on this charger recently "
                    "(charger history and driver reports).")
    draft = {
        "channel": turn.message.channel, "contact": turn.message.contact,
        "charger_id": state.charger_id, "connector_id": state.connector_id,
        "site_id": (snap or {}).get("site_id"), "site_type": (snap or {}).get("site_type"),
        "intent": state.intent or turn.understood.intent, "nlu_confidence": state.last_nlu_confidence,
        "tier": tier, "priority": priority, "rule": rule, "summary": summary,
        "charger_snapshot": snap or {}, "actions": list(state.actions),
        "transcript": _transcript(turn), "suggested_next_step": next_step,
        "conversation_id": turn.conversation_id,
    }
    try:
        with turn.db() as session:
            ref = turn.deps.tickets.open_ticket(session, draft, turn.now)
    except Exception:
        log.exception("could not open ticket conversation=%s contact=%s", turn.conversation_id,
                      mask_phone(turn.message.contact))
        return None
    state.ticket_id = ref.id
    log.info("ticket opened conversation=%s ticket=%s tier=%s priority=%s", turn.conversation_id, ref.id,
             ref.tier, ref.priority)
    known_incident(turn, state.intent or turn.understood.intent, fresh=True)  # after the ticket exists, so the incident links it too
    return ref


def _transcript(turn: Turn) -> list[dict[str, Any]]:
    try:
        rows = turn.deps.store.transcript(turn.conversation_id)
    except Exception:
        log.exception("no transcript conversation=%s", turn.conversation_id)
        rows = [{"from": "driver", "text": turn.text, "at": turn.now.isoformat()}]
    rows += [{"from": "bot", "text": r.text, "at": turn.now.isoformat()} for r in turn.replies]
    return rows


def _rank(priority: str) -> int:
    return int(priority[1:]) if priority[1:].isdigit() else 9


def hand_off(turn: Turn, *, tier: str, priority: str, rule: str, summary: str, next_step: str,
             intro: str = "") -> bool:
    """Open the ticket and add the handoff reply; an apology with a way out if no ticket could be made."""
    ref = open_ticket(turn, tier=tier, priority=priority, rule=rule, summary=summary, next_step=next_step)
    who = TIER_WORDS.get(ref.tier if ref else tier, "a colleague")
    lead = f"{intro} " if intro else ""
    if ref is not None and known_incident(turn):
        lead += f"{KNOWN_PROBLEM} "
    if ref is None:
        turn.say(f"{lead}I'm sorry, I could not create a support ticket just now. Please call our support line "
                 "and mention what you told me; a colleague will help.")
        return False
    turn.replies.append(Reply(
        text=f"{lead}I'm passing you to {who} now (ticket {ref.id}); they can see everything you told me "
             "and what I checked, so you won't have to repeat it.",
        voice_text=f"{lead}I'm passing you to {who} now. They can see everything you told me.",
        handoff=Handoff(ticket_id=ref.id, tier=ref.tier, summary=summary, priority=ref.priority)))
    turn.state.settle()
    turn.state.intent = None
    turn.state.handed_off = ref.id
    return True


def summary_line(turn: Turn, problem: str) -> str:
    """A one-paragraph summary an agent reads in ten seconds."""
    state = turn.state
    where = f" at {turn.label()} ({state.charger_id})" if state.charger_id else ""
    connector = f", connector {state.connector_id}" if state.connector_id else ""
    parts = [f"Driver on {turn.message.channel}{where}{connector}: {problem}."]
    snap = None
    try:
        snap = turn.snapshot() if state.charger_id else None
    except Exception:
        snap = None
    if snap is not None:
        online = "online" if snap.get("online") else "OFFLINE"
        statuses = ", ".join(f"c{c.get('id')} {c.get('status')}" + (
            f"/{c.get('error_code')}" if c.get("error_code") not in (None, "", "NoError") else "")
            for c in snap.get("connectors") or [])
        running = " session running" if active_session(snap) else ""
        parts.append(f"Charger {online}; {statuses}.{running}")
    for action in state.actions:
        parts.append(f"{action['action']} -> {action.get('result')} (verified: {action.get('verified')}).")
    return " ".join(parts)
