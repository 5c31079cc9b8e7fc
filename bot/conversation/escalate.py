"""Hand over to a human: a pre-filled ticket first, then a reply that carries the handoff."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.conversation.turn import Turn
from bot.logs import mask_phone
from bot.messages import REACHABLE_LATER, Handoff, Reply
from ocpp_bridge.snapshot import ChargerSnapshot

log = logging.getLogger(__name__)

CARD_INTENTS = frozenset({"payment_failed", "auth_failed"})
TIERS = frozenset({"tier1", "tier2", "field_engineering", "platform_ops"})  # each has handoff.<tier> words


def charger_history(turn: Turn) -> dict[str, int]:
    """The conversation's charger's recent history within the rules' window (read once per turn; {} if unknown)."""
    charger_id = turn.state.charger_id
    if charger_id is None or turn.deps.rules is None:
        return {}
    key = f"history:{charger_id}"
    if key not in turn.memo:
        try:
            with turn.db() as session:
                turn.memo[key] = dict(turn.deps.rules.history(session, charger_id, turn.now))
        except Exception:  # history is advice; the rules judge the rest of the facts without it
            log.exception("charger history unavailable conversation=%s charger=%s", turn.conversation_id,
                          charger_id)
            turn.memo[key] = {}
    return dict(turn.memo[key])


def recent_failures(turn: Turn) -> int | None:
    """Failed sessions on the conversation's charger within the rules' window, or None when unknown."""
    return charger_history(turn).get("failed_sessions_recent")


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


REPEATABLE = frozenset({"start_failure", "charging_stopped", "charger_unavailable", "error_message", "auth_failed",
                        "payment_failed", "slow_charging"})


def _problems(turn: Turn) -> list[str]:
    """The problems this conversation is about: the one worked on, this message's, the last one finished."""
    state = turn.state
    return list(dict.fromkeys(i for i in (state.intent, turn.understood.intent, state.topic) if i))


def _incident(turn: Turn, *, fresh: bool = False) -> str | None:
    """The open network-wide incident any of the conversation's problems belongs to (the rule says which count)."""
    for intent in _problems(turn):
        ref = known_incident(turn, intent, fresh=fresh)
        if ref is not None:
            return ref
    return None


def facts(turn: Turn, reported: Mapping[str, Any] | None = None, *, ticket: bool = False) -> dict[str, Any]:
    """The facts the escalation rules judge: what the state and the charger show, then what the playbook reported.

    Names are those of `handoff.rules.TurnFacts` (documented at the top of default_rules.yml); `ticket`: the bot
    is opening a ticket, so a card or payment problem in the conversation is one it could not resolve.
    """
    state = turn.state
    snap = _snapshot(turn)
    problems = set(_problems(turn))
    resets = [a for a in state.actions if a.get("action") == "Reset"]
    answered = [a for a in resets if a.get("result") not in ("Unreachable", "Refused")]
    data: dict[str, Any] = {
        "intent": state.intent or turn.understood.intent,
        "nlu_confidence": turn.understood.confidence,
        "charger_id": state.charger_id,
        "site_id": snap.site_id if snap is not None else None,
        # a charger that never reported is unknown, not offline
        "charger_online": snap.online if snap is not None and snap.ever_seen else None,
        "error_codes": snap.error_codes if snap is not None else [],
        "offline_minutes": snap.offline_minutes(turn.now) if snap is not None else 0.0,
        **charger_history(turn),
        "network_incident": _incident(turn) is not None,
        "safety": bool(state.safety_chargers) or turn.understood.intent == "safety_hazard",
        "driver_asked_human": turn.understood.intent == "request_human",
        # "again", "third time today" about a charger problem: the driver's report counts as history
        "repeat_reported": turn.cues.again and bool(problems & REPEATABLE),
        "card_refused": ticket and bool(problems & CARD_INTENTS),
        # the bot offered a person because it was stuck (unclear turns, a question asked again and again)
        "no_progress": state.awaiting == "offer_human" or state.clarifications >= 2,
        "recovery_attempted": bool(answered),
        # the charger confirmed the restart and shows no fault now
        "recovery_verified": any(a.get("verified") for a in answered) and not (snap is not None and snap.faulted),
        "recovery_refused": any(a.get("result") == "Refused" for a in resets),
        "charger_unreachable": any(a.get("result") == "Unreachable" for a in state.actions),
    }
    data.update(reported or {})
    return data


def _snapshot(turn: Turn) -> ChargerSnapshot | None:
    """The charger's live state for the ticket and the rules; None when there is none (or it cannot be read)."""
    if not turn.state.charger_id:
        return None
    try:
        return turn.snapshot()
    except Exception:
        log.exception("no snapshot for ticket conversation=%s", turn.conversation_id)
        return None


def escalation_due(turn: Turn, reported: Mapping[str, Any] | None = None) -> Any | None:
    """The rule that fires on this turn's facts (a charger's history of trouble, say), or None: the bot goes on."""
    if turn.deps.rules is None:
        return None
    try:
        return turn.deps.rules.evaluate(facts(turn, reported))
    except Exception:  # a broken rule must not stop the bot helping
        log.exception("escalation rules failed conversation=%s", turn.conversation_id)
        return None


def hand_off_if_due(turn: Turn, *, summary: str, intro: str = "") -> bool:
    """Hand off when a rule fires on this turn's facts; False: no rule fired and the bot goes on."""
    if escalation_due(turn) is None:
        return False
    hand_off(turn, summary=summary, intro=intro)
    return True


def history_words(turn: Turn) -> str:
    """What the charger's recent history shows, in a driver's words ("" when nothing stands out)."""
    seen = charger_history(turn)
    failed = int(seen.get("failed_sessions_recent") or 0) + int(seen.get("rejected_sessions_recent") or 0)
    spells = int(seen.get("offline_spells_recent") or 0)
    parts = []
    if failed >= 2:
        parts.append(f"{failed} charging attempts failed on it recently")
    if spells >= 2:
        parts.append(f"it dropped its connection {spells} times recently")
    return " and ".join(parts)


def route(turn: Turn, reported: Mapping[str, Any] | None = None) -> Any:
    """Where the rules send a ticket with these facts; `unrouted` (tier1, P3) when they cannot say."""
    seen = facts(turn, reported, ticket=True)
    if turn.deps.rules is not None:
        try:
            return turn.deps.rules.route(seen)
        except Exception:  # a broken rule must not cost the driver the ticket
            log.exception("escalation rules failed conversation=%s", turn.conversation_id)
    from handoff.rules import TurnFacts, unrouted

    return unrouted(TurnFacts.from_mapping(seen))


def open_ticket(turn: Turn, *, facts: Mapping[str, Any] | None = None, summary: str) -> Any | None:
    """Open a pre-filled ticket routed by the rules on these facts (deduplicated by handoff); None if that fails."""
    state = turn.state
    hit = route(turn, facts)
    snap = _snapshot(turn)
    if turn.message.channel not in REACHABLE_LATER and "reach the driver at" not in summary:
        summary += " No phone number or address: the driver is on an anonymous web chat, so answer in the chat."
    failures = recent_failures(turn)
    if failures:
        summary += (f" {failures} failed session{'s' if failures != 1 else ''} on this charger recently "
                    "(charger history and driver reports).")
    draft = {
        "channel": turn.message.channel, "contact": turn.message.contact,
        "charger_id": state.charger_id, "connector_id": state.connector_id,
        "site_id": snap.site_id if snap is not None else None,
        "site_type": snap.site_type if snap is not None else None,
        "intent": state.intent or turn.understood.intent, "nlu_confidence": state.last_nlu_confidence,
        "tier": hit.tier, "priority": hit.priority, "rule": hit.rule, "problem": hit.problem or hit.rule,
        "summary": summary, "charger_snapshot": snap.to_json() if snap is not None else {},
        "actions": list(state.actions),
        "transcript": _transcript(turn), "suggested_next_step": hit.next_step,
        "conversation_id": turn.conversation_id, "routing": hit.routing, "language": turn.lang,
    }
    try:
        with turn.db() as session:
            ref = turn.deps.tickets.open_ticket(session, draft, turn.now)
    except Exception:
        log.exception("could not open ticket conversation=%s contact=%s", turn.conversation_id,
                      mask_phone(turn.message.contact))
        return None
    state.ticket_id = ref.id
    state.ticket_sla = getattr(hit, "sla_minutes", None)
    log.info("ticket opened conversation=%s ticket=%s rule=%s tier=%s priority=%s", turn.conversation_id, ref.id,
             hit.rule, ref.tier, ref.priority)
    _incident(turn, fresh=True)  # after the ticket exists, so the incident links it too
    return ref


def _transcript(turn: Turn) -> list[dict[str, Any]]:
    try:
        rows = turn.deps.store.transcript(turn.conversation_id)
    except Exception:
        log.exception("no transcript conversation=%s", turn.conversation_id)
        rows = [{"from": "driver", "text": turn.text, "at": turn.now.isoformat()}]
    rows += [{"from": "bot", "text": r.text, "at": turn.now.isoformat()} for r in turn.replies]
    return rows


def hand_off(turn: Turn, *, facts: Mapping[str, Any] | None = None, summary: str, intro: str = "") -> bool:
    """Open the ticket the rules route on these facts and add the handoff reply; an apology with a way out if
    no ticket could be made."""
    ref = open_ticket(turn, facts=facts, summary=summary)
    tier = ref.tier if ref is not None and ref.tier in TIERS else "colleague"
    who = turn.t(f"handoff.{tier}")
    lead = f"{intro} " if intro else ""
    if ref is not None and _incident(turn):
        lead += f"{turn.t('handoff.known_problem')} "
    if ref is None:
        turn.say(turn.t("handoff.no_ticket", lead=lead))
        return False
    if ref.id == turn.state.handed_off:  # the same case again: say so instead of repeating the handoff
        text = turn.t("handoff.added", lead=lead, who=who, ticket=ref.id)
        voice = turn.t("handoff.added_voice", lead=lead, Who=f"{who[0].upper()}{who[1:]}")
    else:
        text = turn.t("handoff.passing", lead=lead, who=who, ticket=ref.id)
        voice = turn.t("handoff.passing_voice", lead=lead, who=who)
    turn.replies.append(Reply(text=text, voice_text=voice, handoff=Handoff(
        ticket_id=ref.id, tier=ref.tier, summary=summary, priority=ref.priority)))
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
        online = "online" if snap.online else "OFFLINE"
        statuses = ", ".join(f"c{c.id} {c.status}" + (f"/{c.error_code}" if c.erroring else "")
                             for c in snap.connectors)
        running = " session running" if snap.active_session() else ""
        parts.append(f"Charger {online}; {statuses}.{running}")
    for action in state.actions:
        parts.append(f"{action['action']} -> {action.get('result')} (verified: {action.get('verified')}).")
    return " ".join(parts)
