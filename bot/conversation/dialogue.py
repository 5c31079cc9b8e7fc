"""Route one turn: understand, keep the context (open questions, corrections), run the right playbook."""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.conversation import actions, language, progress
from bot.conversation.context import Cues, clauses, read_cues
from bot.conversation.describe import faults
from bot.conversation.playbooks import PLAYBOOKS, PROBLEMS, billing, guides, recovery, smalltalk
from bot.conversation.slots import (
    apply_hint,
    ask_charger_choice,
    connectors_of,
    named_charger,
    named_connector,
    need_charger,
    need_connector,
)
from bot.conversation.turn import Turn, Understanding
from bot.messages import Choice

log = logging.getLogger(__name__)

MAX_CLARIFICATIONS = 2
NEW_PROBLEM_CONFIDENCE = 0.6  # below this, a message after a handover is read as waiting, not a new problem
SECOND_PROBLEM_CONFIDENCE = 0.6  # a clause of the message must be this clear to count as a second problem
VAGUE_CONFIDENCE = 0.5  # a knowledge answer this unsure, with a known charger, is a vague complaint
KNOWLEDGE_INTENTS = frozenset({"how_to_pay", "pricing_info", "how_to_start", "connector_help", "payment_failed"})
# problems distinct enough to be a second one in the same message (not a restatement of "it doesn't work")
SECOND_PROBLEMS = frozenset({"cable_stuck", "billing_dispute", "report_damage", "auth_failed", "payment_failed",
                             "slow_charging", "pricing_info", "how_to_pay"})
URGENCY = ("how_to_start", "how_to_pay", "pricing_info", "payment_failed", "auth_failed", "connector_help",
           "slow_charging", "billing_dispute", "start_failure", "charging_stopped", "error_message",
           "charger_unavailable", "check_status", "report_damage", "cable_stuck")  # least to most urgent
# a message about these is another matter, even if it names a connector
OTHER_BUSINESS = frozenset({"safety_hazard", "request_human", "billing_dispute", "cable_stuck", "report_damage",
                            "how_to_pay", "pricing_info", "goodbye", "thanks"})
# "still" after these: what the rules should know about it
STILL_FACTS: dict[str, dict[str, Any]] = {
    "cable_stuck": {"cable_release_failed": True},
    "recovery": {"recovery_helped": False},
}
# after "did it work?", a message like these means no
STILL_BROKEN = frozenset({"start_failure", "charger_unavailable", "error_message", "charging_stopped"})  # clarifying questions for low-confidence NLU before offering a human
YES_NO = actions.YES_NO
# entities kept between turns (the amount is billing's own: it keeps it as the driver wrote it)
SLOT_ENTITIES = ("error_text", "battery_level", "vehicle", "power_kw", "payment_method", "emsp")
INTENT_TITLES = {
    "start_failure": "Charger won't start", "auth_failed": "Card or app refused", "payment_failed": "Payment failed",
    "how_to_pay": "How to pay", "pricing_info": "Prices", "how_to_start": "How to start",
    "connector_help": "Which plug", "cable_stuck": "Cable stuck", "error_message": "Error on the screen",
    "slow_charging": "Charging slowly", "charging_stopped": "Charging stopped",
    "charger_unavailable": "Charger shows unavailable", "check_status": "Is it working?",
    "billing_dispute": "Wrong charge", "report_damage": "Something is broken",
    "safety_hazard": "Danger (smoke, sparks)",
}
INTENT_SPOKEN = {  # the titles above as the phone reads them: "For <this>, press 1."
    "start_failure": "a charger that won't start", "auth_failed": "a card or app that was refused",
    "payment_failed": "a failed payment", "how_to_pay": "how to pay", "pricing_info": "prices",
    "how_to_start": "how to start", "connector_help": "which plug to use", "cable_stuck": "a stuck cable",
    "error_message": "an error on the screen", "slow_charging": "slow charging",
    "charging_stopped": "charging that stopped", "charger_unavailable": "a charger that shows unavailable",
    "check_status": "whether a charger is working", "billing_dispute": "a wrong charge",
    "report_damage": "something broken at the charger", "safety_hazard": "danger, like smoke or sparks",
}


def run(turn: Turn) -> None:
    """Process one message into `turn.replies`, updating `turn.state`; never the same answer twice."""
    if language.settle(turn):  # "auf Deutsch bitte" and nothing else: answer in it and wait for the problem
        turn.say(turn.t("language.switched"))
        return
    understand(turn)
    apply_hint(turn)
    _route(turn)
    _second_problem(turn)
    progress.guard(turn)


def _route(turn: Turn) -> None:
    state, seen = turn.state, turn.understood
    typed = bool(turn.message.text) and not turn.message.button
    turn.cues = read_cues(turn.text) if typed else Cues()
    state.lacks = sorted(set(state.lacks) | turn.cues.lacks)
    for name in SLOT_ENTITIES:
        if turn.entity(name) is not None:
            state.slots[name] = str(turn.entity(name))
    if seen.intent == "safety_hazard":  # beats every open question
        PLAYBOOKS["safety_hazard"].run(turn)
        return
    if seen.intent == "request_human" and (turn.cues.asks_person or not (turn.cues.did_that or turn.cues.frustrated)):
        smalltalk.request_human(turn)
        return
    if turn.cues.frustrated and state.topic and state.awaiting != "confirm":
        progress.no_progress(turn, "the driver is frustrated with the bot's answers")
        return
    if state.handed_off and not _new_problem(turn) and not state.awaiting:
        progress.waiting(turn)  # a colleague has it: "how long?", "ok", "still nothing" all get the wait
        return
    if state.awaiting in (None, "problem") and _follow_up(turn):
        return
    if _correction(turn):
        return
    if state.awaiting and _continue(turn):
        return
    if _vague(turn):
        return
    if seen.intent == "out_of_scope":
        _clarify(turn)
        return
    state.clarifications = 0
    if seen.intent in PROBLEMS:
        start_problem(turn, _two_problems(turn, seen.intent))
        return
    if seen.intent == "inform":
        found = named_charger(turn)
        if found.charger_id:
            state.charger_id, state.connector_id = found.charger_id, None
        elif found.candidates:
            ask_charger_choice(turn, found.candidates)
            return
        if state.intent in PLAYBOOKS and state.charger_id:
            _resume(turn)
            return
    smalltalk.run(turn)


def _new_problem(turn: Turn) -> bool:
    """After a handover, only a clear new problem (not "it still doesn't work") starts the dialogue again."""
    seen = turn.understood
    if seen.intent not in PROBLEMS or seen.confidence < NEW_PROBLEM_CONFIDENCE:
        return False
    repeated = turn.cues.again or turn.cues.still or turn.cues.did_that
    return not (repeated and seen.intent in STILL_BROKEN | {turn.state.topic})


def _follow_up(turn: Turn) -> bool:
    """"I did that", "still", "again" about the problem just answered: take the next step, never the same answer."""
    state, cues, seen = turn.state, turn.cues, turn.understood
    topic = state.intent or state.topic
    if not (cues.did_that or cues.again or cues.still) or topic is None or topic == "safety_hazard":
        return False
    if seen.intent in PROBLEMS and seen.intent != topic and seen.intent not in STILL_BROKEN \
            and seen.confidence >= NEW_PROBLEM_CONFIDENCE:
        return False  # "I did that and now the cable is stuck": a new problem
    state.intent = topic
    state.settle()
    state.pending_action = None
    if state.charger_id and topic in STILL_BROKEN:
        snap = turn.snapshot(fresh=True)
        if snap is not None and snap.online and faults(turn, snap) and state.charger_id not in \
                state.safety_chargers and not any(a.get("action") == "Reset" for a in state.actions):
            PLAYBOOKS["start_failure"].run(turn)  # the charger now reports a fault: recover it
            return True
    why = f"the driver says {topic.replace('_', ' ')} persists after the bot's help (\"{turn.text}\")"
    facts = STILL_FACTS.get(topic, {})
    if facts:
        from bot.conversation.escalate import hand_off, summary_line

        hand_off(turn, facts=facts, summary=summary_line(turn, f"{why}; {progress.tried(turn)}"),
                 intro="Sorry, I can't fix that from here.")
    else:
        progress.no_progress(turn, why)
    return True


def _vague(turn: Turn) -> bool:
    """"It doesn't work" with a known charger: diagnose its live state instead of guessing a guide."""
    state, seen = turn.state, turn.understood
    if not state.charger_id or seen.intent in ("safety_hazard", "request_human", "greet", "goodbye", "thanks",
                                               "affirm", "deny"):
        return False
    guessed = seen.intent in KNOWLEDGE_INTENTS | {"out_of_scope"} and seen.confidence < VAGUE_CONFIDENCE
    # "station 7 ccs fault": a charger and a plug but no problem the NLU could name
    pointed = seen.intent == "inform" and not state.intent and not state.awaiting and \
        (turn.entity("connector_type") or turn.entity("connector_id")) is not None
    if not (turn.cues.vague or guessed or pointed or _out_of_order(turn)):
        return False
    turn.memo["vague"] = not pointed
    start_problem(turn, "start_failure")
    return True


def _out_of_order(turn: Turn) -> bool:
    """A how-to question at a charger that is offline or faulted: the charger's state is the answer to lead with."""
    if turn.understood.intent not in ("how_to_start", "connector_help"):
        return False
    snap = turn.snapshot()
    return snap is not None and (not snap.online or bool(faults(turn, snap)))


def _two_problems(turn: Turn, first: str) -> str:
    """A second problem in the same message waits its turn; the more urgent one goes first. Returns the first."""
    parts = clauses(turn.text) if turn.message.text and not turn.message.button else []
    if len(parts) < 2:  # one clause, one problem: no second reading needed
        return first
    for clause in parts:
        parsed = turn.deps.nlu.parse(clause, turn.state.language)
        other = str(parsed.intent)
        distinct = other in SECOND_PROBLEMS or (first in KNOWLEDGE_INTENTS and other in STILL_BROKEN)
        if not distinct or other == first or float(parsed.confidence) < SECOND_PROBLEM_CONFIDENCE:
            continue
        if _urgency(other) > _urgency(first):
            first, other, clause = other, first, turn.text
        turn.state.pending_problem = other
        turn.state.slots["pending_text"] = clause
        return first
    return first


def _urgency(intent: str) -> int:
    return URGENCY.index(intent) if intent in URGENCY else -1


def _second_problem(turn: Turn) -> None:
    """Take up the kept second problem once the first is done (not while a question is open)."""
    state = turn.state
    pending = state.pending_problem
    if not pending or state.awaiting or state.intent or state.handed_off:
        return
    state.pending_problem = None
    words = str(state.slots.pop("pending_text", "") or "")
    if words:  # read the second problem's own words again, for its entities (a plug, a way to pay)
        parsed = turn.deps.nlu.parse(words, turn.state.language)
        turn.understood = Understanding(pending, 1.0, {e.entity: e.value for e in parsed.entities})
    title = INTENT_TITLES.get(pending, pending)
    turn.say(turn.t("dialogue.other_point", point=turn.choice(Choice(title, "")).title.lower()))
    start_problem(turn, pending)


def understand(turn: Turn) -> None:
    """A pressed button speaks for itself; everything else goes through the NLU."""
    button = turn.message.button or ""
    digits = (turn.message.digits or "").strip()
    awaiting = turn.state.awaiting
    offered = turn.state.choices
    if not button and digits.isdigit() and awaiting in ("clarify", "charger", "connector", "steps") \
            and 1 <= int(digits) <= len(offered):
        button = offered[int(digits) - 1]  # a keypad press picks the n-th option offered
    if button == "next":  # "next step" (a button, or its key on the phone) is a yes to "ready for more?"
        turn.understood = Understanding("affirm", 1.0)
        return
    if button in ("yes", "no") or (not button and awaiting in ("confirm", "worked", "offer_human")
                                   and digits in ("1", "2") and not turn.message.text):
        yes = button == "yes" or digits == "1"
        turn.understood = Understanding("affirm" if yes else "deny", 1.0)
        return
    if button.startswith("charger:"):
        turn.understood = Understanding("inform", 1.0, {"charger_id": button.split(":", 1)[1]})
        return
    if button.startswith("connector:"):
        turn.understood = Understanding("inform", 1.0, {"connector_id": button.split(":", 1)[1]})
        return
    if button.startswith("intent:"):
        turn.understood = Understanding(button.split(":", 1)[1], 1.0)
        return
    text = turn.text or button
    if not text:
        turn.understood = Understanding("greet", 1.0)
        return
    parsed = turn.deps.nlu.parse(text, turn.state.language)
    language.follow(turn, getattr(parsed, "detected_language", None))
    entities: dict[str, Any] = {}
    for entity in parsed.entities:
        entities.setdefault(entity.entity, entity.value)
    turn.understood = Understanding(parsed.intent, float(parsed.confidence), entities,
                                    tuple((str(i), float(c)) for i, c in parsed.ranking))
    turn.state.last_nlu_confidence = float(parsed.confidence)


def start_problem(turn: Turn, intent: str) -> None:
    """Work on a (new) problem; a charger named in the same message becomes the charger."""
    state = turn.state
    state.settle()
    state.pending_action = None
    state.intent = state.topic = intent
    found = named_charger(turn)
    if found.charger_id and found.charger_id != state.charger_id:
        state.charger_id, state.connector_id = found.charger_id, None
    elif found.candidates and not state.charger_id:
        ask_charger_choice(turn, found.candidates)
        return
    PLAYBOOKS[intent].run(turn)


def _resume(turn: Turn) -> None:
    intent = turn.state.intent
    if intent in PLAYBOOKS and intent not in ("recovery",):
        PLAYBOOKS[intent].run(turn)
    else:
        smalltalk.run(turn)


def _correction(turn: Turn) -> bool:
    """"No, station 8" or "the other plug": switch to what the driver means and redo the work for it."""
    state, seen = turn.state, turn.understood
    if _other_connector(turn):
        return True
    if not state.charger_id or seen.intent not in ("deny", "inform"):
        return False
    found = named_charger(turn)
    if not found.charger_id or found.charger_id == state.charger_id:
        return False
    state.charger_id, state.connector_id, state.pending_action = found.charger_id, None, None
    state.settle()
    turn.say(turn.t("dialogue.ok_label", label=turn.label()))
    if state.intent is None and state.topic not in (None, "safety_hazard"):
        state.intent = state.topic  # redo the finished check for the charger the driver meant
    _resume(turn)
    return True


def _other_connector(turn: Turn) -> bool:
    """The driver means another connector of the same charger than the one just checked."""
    state, seen = turn.state, turn.understood
    topic = state.intent or state.topic
    if not state.charger_id or state.connector_id is None or topic not in PLAYBOOKS \
            or state.awaiting not in (None, "steps", "problem") or seen.intent in OTHER_BUSINESS:
        return False
    snap = turn.snapshot()
    ids = [c.id for c in connectors_of(snap)]
    number = named_connector(turn, snap)
    if number is None and turn.cues.other_connector and len(ids) == 2:
        number = next(i for i in ids if i != state.connector_id)
    if number is None or number == state.connector_id:
        return False
    state.connector_id = number
    state.intent = topic
    state.settle()
    state.slots.pop("steps", None)
    turn.say(turn.t("dialogue.ok_connector", number=number))
    _resume(turn)
    return True


def _continue(turn: Turn) -> bool:
    """Use the message as the answer to the open question; False lets it start something new."""
    state, seen = turn.state, turn.understood
    awaiting = state.awaiting or ""
    switching = seen.intent in PROBLEMS and seen.intent != state.intent
    if awaiting == "charger":
        found = named_charger(turn, whole_text=True)
        if found.charger_id:
            state.charger_id, state.connector_id = found.charger_id, None
            state.settle()
            _resume(turn)
        elif found.candidates:
            ask_charger_choice(turn, found.candidates)
        elif switching:
            return False
        elif state.asked >= 2:
            _offer_human(turn)
        else:
            need_charger(turn)
        return True
    if awaiting == "connector":
        snap = turn.snapshot()
        number = named_connector(turn, snap)
        offered = [int(c.split(":", 1)[1]) for c in state.choices if c.startswith("connector:")]
        if number is None and offered and (turn.cues.vague or seen.intent in STILL_BROKEN):
            number = offered[0]  # "it doesn't work" to "connector 1 reports a fault, is that yours?": it is
        if number is None and offered and seen.intent in ("affirm", "deny"):
            # "is that the one you're using?": yes is the first option, no the other one (if only one is left)
            number = offered[0] if seen.intent == "affirm" else (offered[1] if len(offered) == 2 else None)
        if number is None and turn.cues.other_connector and state.connector_id is None and len(offered) == 2:
            number = offered[1]
        if number is not None:
            state.connector_id = number
            state.settle()
            _resume(turn)
        elif switching:
            return False
        elif state.asked >= 2:
            _offer_human(turn)
        else:
            need_connector(turn, snap)
        return True
    if awaiting == "confirm":
        return _confirm(turn, switching)
    if awaiting == "worked":
        if turn.cues.works or seen.intent in ("affirm", "deny", "thanks") or seen.intent in STILL_BROKEN:
            state.settle()
            recovery.after_worked(turn, turn.cues.works or seen.intent in ("affirm", "thanks"))
            return True
        if switching or seen.intent in PROBLEMS:
            return False
        turn.say(turn.t("dialogue.did_it_start"), choices=recovery.WORKED)
        return True
    if awaiting == "offer_human":
        other = switching and seen.intent not in KNOWLEDGE_INTENTS | STILL_BROKEN | {state.topic}
        if seen.intent == "affirm" or (seen.intent not in ("deny", "thanks", "goodbye") and not other):
            smalltalk.request_human(turn)  # "yes", or more about the same problem: they need the person
            return True
        if seen.intent == "deny":
            state.settle()
            state.clarifications = 0
            turn.say(turn.t("dialogue.tell_me"))
            return True
        state.settle()
        return False
    if awaiting == "steps":
        ready = seen.intent in ("affirm", "thanks") or \
            bool(re.search(r"\b(next|done|ok(ay)?|ready|go on|got it|yes|yeah|yep)\b", turn.text.lower()))
        if turn.cues.works:
            state.settle()
            state.slots.pop("steps", None)
            turn.say(turn.t("dialogue.glad_working"))
            return True
        if ready and not (turn.cues.did_that or turn.cues.still or seen.intent in STILL_BROKEN):
            guides.next_step(turn)
            return True
        state.settle()
        state.slots.pop("steps", None)
        return _follow_up(turn)  # "I did all that": the next step is a person, not the rest of the guide
    if awaiting == "problem":
        state.settle()
        if state.charger_id and seen.intent in ("affirm", "deny", "inform", "out_of_scope") \
                and named_charger(turn).charger_id in (None, state.charger_id):
            turn.memo["vague"] = True
            start_problem(turn, "start_failure")
            return True
        return False
    if awaiting.startswith("billing_"):
        if switching and seen.confidence >= 0.8:
            return False
        billing.answer(turn)
        return True
    state.settle()  # "clarify" and anything unknown: read the message afresh
    return False


def _confirm(turn: Turn, switching: bool) -> bool:
    state, seen = turn.state, turn.understood
    pending = state.pending_action
    if seen.intent == "affirm" and pending:
        state.pending_action = None
        state.settle()
        outcome = actions.attempt(turn, pending["action"], pending.get("params"), playbook=pending["playbook"],
                                  confirmed=True, connector_id=pending.get("connector_id"))
        PLAYBOOKS[pending["playbook"]].after_action(turn, pending, outcome)
        return True
    if seen.intent == "deny" or not pending:
        state.pending_action = None
        state.settle()
        turn.say(turn.t("dialogue.wont_do"), choices=YES_NO)
        state.ask("offer_human", ["yes", "no"])
        return True
    if switching:
        state.pending_action = None
        return False
    turn.say(turn.t("dialogue.yes_or_no"), choices=YES_NO)
    return True


def _clarify(turn: Turn) -> None:
    """Low confidence: ask again (at most twice), then offer a person."""
    state = turn.state
    state.clarifications += 1
    if state.clarifications > MAX_CLARIFICATIONS:
        _offer_human(turn)
        return
    if state.clarifications == 1:
        guesses = [i for i, _ in turn.understood.ranking if i in INTENT_TITLES][:3]
        choices = tuple(Choice(title=INTENT_TITLES[i], payload=f"intent:{i}", dtmf=str(n + 1),
                               spoken=INTENT_SPOKEN[i]) for n, i in enumerate(guesses)) or smalltalk.PROBLEM_CHOICES
        state.ask("clarify", [c.payload for c in choices])
        turn.say(turn.t("dialogue.clarify"),
                 "Sorry, I didn't catch that. Is it one of these?", choices=choices)
        return
    state.ask("clarify")
    turn.say(turn.t("dialogue.clarify_again"))


def _offer_human(turn: Turn) -> None:
    turn.state.ask("offer_human", ["yes", "no"])
    turn.say(turn.t("dialogue.offer_human"), turn.t("dialogue.offer_human_voice"), choices=YES_NO)
