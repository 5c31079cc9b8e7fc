"""Never the same answer twice: the repeat guard, the no-progress handover, and the wait for a colleague.

A driver who gets the same text again has learnt nothing and is one step
closer to giving up. The dialogue takes the next step itself where it can
(another check, a remote action, a person); this guard is the net under it:
an answer already sent is not sent again, and a turn with nothing new to say
hands the driver to a person, with a ticket that says what was tried.
"""

from __future__ import annotations

import hashlib
import re

from bot.conversation.escalate import hand_off, summary_line
from bot.conversation.turn import Turn

MAX_REMEMBERED = 80  # answers remembered per conversation (digests)


def digest(text: str) -> str:
    """A short fingerprint of an answer, blind to case and spacing."""
    return hashlib.sha1(re.sub(r"\s+", " ", text).strip().lower().encode()).hexdigest()[:12]


def guard(turn: Turn) -> None:
    """Drop answers already sent; if nothing new is left, that is no progress: hand over (or say how the wait goes)."""
    sent = set(turn.state.sent)
    fresh = [r for r in turn.replies if digest(r.text) not in sent or r.handoff is not None or r.end_conversation]
    if turn.replies and not fresh:
        turn.replies = []
        no_progress(turn, "the bot had nothing new to say")
    elif len(fresh) < len(turn.replies):
        # a repeated question stays (the driver needs it to answer); a repeated explanation goes
        turn.replies = [r for r in turn.replies if r in fresh or r.choices]
    remember(turn)


def remember(turn: Turn) -> None:
    """Keep the fingerprints of this turn's answers."""
    sent = turn.state.sent + [digest(r.text) for r in turn.replies]
    turn.state.sent = list(dict.fromkeys(sent))[-MAX_REMEMBERED:]


def no_progress(turn: Turn, why: str) -> None:
    """Hand over with what was tried; if a colleague already has the case, tell the driver how the wait goes."""
    if turn.state.handed_off:
        waiting(turn)
        return
    hand_off(turn, facts={"no_progress": True, "driver_asked_human": turn.cues.asks_person},
             summary=summary_line(turn, f"{why}; {tried(turn)}"),
             intro=turn.t("progress.sorry"))


def tried(turn: Turn) -> str:
    """What the bot already did in this conversation, for the ticket."""
    state = turn.state
    parts = []
    if state.told:
        parts.append("guides given: " + ", ".join(state.told))
    if state.actions:
        parts.append("remote actions: " + ", ".join(f"{a['action']} {a.get('result')}" for a in state.actions))
    if state.lacks:
        parts.append("driver has no " + ", ".join(state.lacks))
    return "; ".join(parts) or "nothing tried yet"


def waiting(turn: Turn) -> None:
    """The driver writes while a colleague has the case: when to expect them, never in the same words twice."""
    state = turn.state
    state.waits += 1
    ticket, when = state.handed_off, _within(turn, state.ticket_sla)
    if state.waits == 1:
        turn.say(turn.t("progress.wait_1", ticket=ticket, when=when), turn.t("progress.wait_1_voice", when=when))
    elif state.waits == 2:
        turn.say(turn.t("progress.wait_2", ticket=ticket, when=when), turn.t("progress.wait_2_voice", when=when))
    else:
        turn.say(turn.t("progress.noted", ticket=ticket, n=state.waits), turn.t("progress.noted_voice", n=state.waits))


def _within(turn: Turn, minutes: int | None) -> str:
    if not minutes:
        return turn.t("progress.asap")
    if minutes < 90:
        return turn.t("progress.minutes", n=minutes)
    hours = round(minutes / 60)
    return turn.t("progress.hours", n=hours) if hours < 48 else turn.t("progress.days", n=round(hours / 24))
