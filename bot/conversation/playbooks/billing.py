"""Billing disputes: find the session, collect the amount and the date, open a tier-1 ticket."""

from __future__ import annotations

import re
from typing import Any

from bot.conversation.escalate import open_ticket, summary_line
from bot.conversation.turn import Turn

QUESTIONS = {
    "billing_amount": ("How much were you charged?", "How much were you charged?"),
    "billing_date": ("When was the session? The date is enough, e.g. 12 March.", "On what date was the session?"),
}


def run(turn: Turn) -> None:
    """Collect what the billing team needs, then ticket it."""
    state = turn.state
    amount = turn.entity("amount")
    if amount and "amount" not in state.slots:
        state.slots["amount"] = str(amount)
    if state.charger_id is None and turn.entity("charger_id"):
        from bot.conversation.slots import named_charger

        state.charger_id = named_charger(turn).charger_id
    if "amount" not in state.slots:
        _ask(turn, "billing_amount")
        return
    if "date" not in state.slots:
        _ask(turn, "billing_date")
        return
    _file(turn)


def answer(turn: Turn) -> None:
    """Take the answer to the open billing question."""
    state = turn.state
    if state.awaiting == "billing_amount":
        value = turn.entity("amount") or (turn.text if re.search(r"\d", turn.text) else None)
        if value is None and state.asked < 2:
            _ask(turn, "billing_amount")
            return
        state.slots["amount"] = str(value or "not given")
    elif state.awaiting == "billing_date":
        state.slots["date"] = turn.text or "not given"
    state.settle()
    run(turn)


def _ask(turn: Turn, what: str) -> None:
    turn.state.ask(what)
    turn.say(*QUESTIONS[what])


def _file(turn: Turn) -> None:
    state = turn.state
    session_note = _matching_session(turn)
    problem = (f"billing dispute: charged {state.slots['amount']} for a session on {state.slots['date']}"
               f"{session_note}")
    ref = open_ticket(turn, summary=summary_line(turn, problem))
    if ref is None:
        turn.say("Thank you. I couldn't file it just now; please contact our support line about the charge.")
    else:
        turn.say(f"Thank you. I've passed this to our billing team (ticket {ref.id}) with the session details; "
                 "they will check the charge and get back to you, usually within two working days.",
                 "Thank you. I've passed this to our billing team, with the session details. "
                 "They will get back to you, usually within two working days.")
    state.intent = None
    state.slots.pop("amount", None)
    state.slots.pop("date", None)


def _matching_session(turn: Turn) -> str:
    if not turn.state.charger_id:
        return ""
    snap: dict[str, Any] = turn.snapshot() or {}
    sessions = snap.get("recent_sessions") or []
    if not sessions:
        return "; no recent session found on the charger"
    last = sessions[0]
    energy = last.get("energy_kwh")
    bits = [f"id {last.get('id')}", f"started {last.get('started_at')}",
            f"{energy} kWh" if energy is not None else None, f"outcome {last.get('outcome')}"]
    return "; latest session on the charger: " + ", ".join(str(b) for b in bits if b)
