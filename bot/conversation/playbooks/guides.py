"""Knowledge questions (paying, prices, starting, plugs): the knowledge base's guides, adapted to the charger."""

from __future__ import annotations

import logging
import re

from bot.conversation.escalate import known_incident, open_ticket, summary_line
from bot.conversation.turn import Turn
from bot.messages import STEPWISE, Choice

log = logging.getLogger(__name__)

# the short answers when the knowledge base has no guide: the catalogue's fallback.<intent> (bot/i18n)
FALLBACK = frozenset({"payment_failed", "how_to_pay", "pricing_info", "how_to_start", "connector_help"})


def say_guides(turn: Turn, intent: str, *, limit: int = 1, prefer: tuple[str, ...] = ()) -> bool:
    """Add the best guide(s) for `intent` not given before in this conversation; True if one was given.

    Guides about a way to pay the driver said they do not have are skipped ("I don't have an RFID card");
    `prefer` puts these guide ids first where the knowledge base has them for the intent.
    """
    state = turn.state
    lacks = set(state.lacks)
    entities = {k: str(v) for k, v in turn.understood.entities.items()
                if not (k == "payment_method" and _method(str(v)) in lacks)}
    if turn.text and not lacks:
        entities["text"] = turn.text  # "leave the car plugged in after it's full" finds the idle-fee guide
    with turn.db() as session:
        found = turn.deps.knowledge.guides(session, intent, entities, state.charger_id, turn.lang)
    usable = [g for g in found if g.id not in state.told and not _about_lacking(g.tags, lacks)]
    usable.sort(key=lambda g: prefer.index(g.id) if g.id in prefer else len(prefer))
    named = {m for m, pattern in _METHODS if re.search(pattern, turn.text.lower())} - lacks
    if named:  # "no app, can I just use my visa?": the way they asked about first
        usable.sort(key=lambda g: not set(g.tags) & named)
    for guide in usable[:limit]:
        links = (guide.link,) if guide.link else ()
        steps = [line.strip() for line in guide.voice_text.splitlines() if line.strip()]
        if turn.message.channel in STEPWISE and len(steps) >= MIN_STEPS and limit == 1 \
                and not state.pending_problem:
            # the intro and the first step now; each further step when the driver is ready for it
            state.slots["steps"], state.slots["steps_total"] = steps[2:], len(steps) - 1
            turn.say(guide.text, " ".join(steps[:2]), links=links, image_url=guide.image_url, sms=guide.sms_text,
                     choices=(NEXT_STEP,))
            state.ask("steps", [NEXT_STEP.payload])
        else:
            turn.say(guide.text, guide.voice_text, links=links, image_url=guide.image_url, sms=guide.sms_text)
        if guide.id:
            state.told.append(guide.id)
    if not found and intent in FALLBACK and f"fallback:{intent}" not in state.told:
        turn.say(turn.t(f"fallback.{intent}"))
        state.told.append(f"fallback:{intent}")
        return True
    return bool(usable[:limit])


MIN_STEPS = 4  # lines of a spoken guide from which it goes a step at a time
NEXT_STEP = Choice(title="Next step", payload="next", dtmf="1", spoken="the next step")


def next_step(turn: Turn) -> None:
    """The driver is ready: the next step of the guide, or the end of it."""
    state = turn.state
    steps = list(state.slots.get("steps") or [])
    total = int(state.slots.get("steps_total") or len(steps))
    if not steps:
        state.settle()
        return
    step = steps.pop(0)
    number = total - len(steps)
    state.slots["steps"] = steps
    if steps:
        turn.say(f"Step {number} of {total}: {step}", f"Step {number}. {step}", choices=(NEXT_STEP,))
        state.ask("steps", [NEXT_STEP.payload])
        return
    state.settle()
    state.slots.pop("steps", None)
    state.slots.pop("steps_total", None)
    turn.say(f"Last step: {step} If it still doesn't work after that, tell me and I'll get a colleague.",
             f"And the last step. {step} If it still doesn't work, tell me, and I'll get you a colleague.")


_METHODS = (("rfid", r"rfid|charg\w* card|fob"), ("app", r"\bapp\b"), ("qr", r"\bqr\b"),
            ("contactless", r"contactless|credit|debit|bank|visa|master|apple pay|google pay"))


def _method(value: str) -> str | None:
    return next((name for name, pattern in _METHODS if re.search(pattern, value.lower())), None)


def _about_lacking(tags: tuple[str, ...], lacks: set[str]) -> bool:
    """A guide built around a way to pay the driver does not have (the no-app guides stay for app-less drivers)."""
    tagged = set(tags)
    if "app" in lacks and "no_app" in tagged:
        return False
    return bool(tagged & lacks)


# a driver who lacks one way to pay or start gets the others first
ALTERNATIVES = ("start-app", "start-qr", "start-contactless", "no-app", "pay-by-qr", "pay-by-app", "start-rfid")


def run(turn: Turn) -> None:
    """Answer from the knowledge base; a driver caught in a known payment outage is told and ticketed first."""
    intent = turn.state.intent or turn.understood.intent
    if intent == "payment_failed" and known_incident(turn, intent):
        ref = open_ticket(turn, summary=summary_line(turn, f"payment failed during the network incident: "
                                                           f"\"{turn.text}\""))
        note = f" I've added your report to it (ticket {ref.id}), so we can follow up with you." if ref else ""
        turn.say("There is a known problem with card payments across our network right now, and our team is "
                 f"already working on it.{note} Until it is fixed, you can start with a charging card or the app.",
                 "There is a known problem with card payments right now, and our team is working on it. "
                 "You can still start with a charging card or the app.")
        turn.state.intent = None
        return
    prefer = (("no-app",) if "app" in turn.state.lacks else ()) + ALTERNATIVES if turn.state.lacks else ()
    say_guides(turn, intent, prefer=prefer)
    turn.state.intent = None

