"""Conversation glue: greetings, thanks, goodbyes, stray yes/no, bare data, and asking for a person."""

from __future__ import annotations

from bot.conversation.escalate import hand_off, summary_line
from bot.conversation.turn import Turn
from bot.messages import Choice, Reply

PROBLEM_CHOICES = (
    Choice(title="Charger won't start", payload="intent:start_failure", dtmf="1", spoken="a charger that won't start"),
    Choice(title="Card or app refused", payload="intent:auth_failed", dtmf="2", spoken="a card or app that was refused"),
    Choice(title="Cable stuck", payload="intent:cable_stuck", dtmf="3", spoken="a stuck cable"),
    Choice(title="Something else", payload="intent:request_human", dtmf="4", spoken="something else"),
)


def run(turn: Turn) -> None:
    """Answer in context."""
    intent = turn.understood.intent
    HANDLERS.get(intent, _out_of_scope)(turn)


def _greet(turn: Turn) -> None:
    trouble = _trouble(turn)
    where = turn.t("greet.where", label=turn.label(), trouble=trouble) if turn.state.charger_id else ""
    turn.say(turn.t("greet.text", where=where), turn.t("greet.voice", where=where), choices=PROBLEM_CHOICES)


def _thanks(turn: Turn) -> None:
    turn.say(turn.t("smalltalk.thanks"))


def _goodbye(turn: Turn) -> None:
    turn.state.settle()
    turn.state.intent = None
    turn.replies.append(Reply(text=turn.t("smalltalk.goodbye"), end_conversation=True))


def _affirm_or_deny(turn: Turn) -> None:
    turn.say(turn.t("smalltalk.what_help"), choices=PROBLEM_CHOICES)


def _trouble(turn: Turn) -> str:
    """", which is offline right now" when the charger the driver named is in trouble (else "")."""
    from bot.conversation.describe import faults

    snap = turn.snapshot() if turn.state.charger_id else None
    if snap is None:
        return ""
    if not snap.online:
        return turn.t("greet.offline")
    return turn.t("greet.fault") if faults(turn, snap) else ""


def _inform(turn: Turn) -> None:
    if turn.state.charger_id and _trouble(turn):
        from bot.conversation.dialogue import start_problem

        turn.memo["vague"] = True  # the charger named is in trouble: that is what to look at first
        start_problem(turn, "start_failure")
        return
    if turn.state.charger_id:
        turn.state.ask("problem", [c.payload for c in PROBLEM_CHOICES])
        turn.say(turn.t("smalltalk.problem_there", label=turn.label()), choices=PROBLEM_CHOICES)
    else:
        _affirm_or_deny(turn)


def _out_of_scope(turn: Turn) -> None:
    turn.say(turn.t("smalltalk.out_of_scope"), choices=PROBLEM_CHOICES)


def request_human(turn: Turn) -> None:
    """The driver asked for a person: ticket first, then the handoff."""
    problem = "driver asked for a person"
    if turn.state.intent and turn.state.intent != "request_human":
        problem += f" while the bot worked on {turn.state.intent}"
    turn.state.intent = turn.state.intent or "request_human"
    # a yes to the bot's own offer of a person is not the driver asking (that is no progress)
    asked = turn.understood.intent == "request_human"
    hand_off(turn, facts={"driver_asked_human": asked}, summary=summary_line(turn, problem), intro=turn.t("smalltalk.of_course"))


HANDLERS = {
    "greet": _greet,
    "thanks": _thanks,
    "goodbye": _goodbye,
    "affirm": _affirm_or_deny,
    "deny": _affirm_or_deny,
    "inform": _inform,
    "request_human": request_human,
    "out_of_scope": _out_of_scope,
}
