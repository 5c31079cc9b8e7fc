"""Billing disputes: find the session, collect the amount and the date, open a tier-1 ticket."""

from __future__ import annotations

import re
from typing import Any

from bot.conversation.escalate import open_ticket, summary_line
from bot.conversation.turn import Turn
from bot.messages import REACHABLE_LATER
from ocpp_bridge.snapshot import iso

QUESTIONS = {
    "billing_amount": ("How much were you charged?", "How much were you charged?"),
    "billing_date": ("When was the session? The date is enough, e.g. 12 March.", "On what date was the session?"),
    "billing_contact": ("How can our billing team reach you with the answer? Send a phone number or an e-mail "
                        "address (or \"no\" to leave it here).",
                        "How can our billing team reach you? Please say a phone number."),
}
# money as drivers write it: "34,50 euro", "€12.50", "18 eur", "$40"
_MONEY = re.compile(r"[€£$]\s?\d+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?\s?(?:€|£|\$|eur(?:o|os)?\b|pounds?\b|"
                    r"dollars?\b|quid\b)|\b\d+[.,]\d{2}\b", re.I)
_TIMES = re.compile(r"\b(twice|two times|2 times|double|doubled|charged me again|three times|3 times)\b", re.I)
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\+?\d[\d ()/-]{6,}\d")
_HOW_TO_RECEIPT = re.compile(r"\b(how|where|can i|could i|do i)\b.*\b(receipt|invoice|vat)", re.I)
_NO_CONTACT = re.compile(r"\b(not giving|won'?t give|wont give|rather not|no (phone|number|e-?mail)|"
                         r"don'?t want to give|answer (me )?here|keep it here)\b", re.I)
_DATE = re.compile(r"\b(yesterday|today|this morning|this afternoon|this evening|last night|tonight|last week|"
                   r"(last |on )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)|\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?|"
                   r"\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*|"
                   r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\s+\d{1,2}(?:st|nd|rd|th)?|\d+ days? ago)\b",
                   re.I)


def run(turn: Turn) -> None:
    """Collect what the billing team needs (keeping every fact the driver gives), then ticket it."""
    state = turn.state
    if state.awaiting is None and _HOW_TO_RECEIPT.search(turn.text or "") and not _MONEY.search(turn.text or ""):
        from bot.conversation.playbooks import guides

        guides.say_guides(turn, "billing_dispute", prefer=("receipts-invoices",))  # a question, not a dispute
        state.intent = None
        return
    _keep_facts(turn)
    if state.charger_id is None and turn.entity("charger_id"):
        from bot.conversation.slots import named_charger

        state.charger_id = named_charger(turn).charger_id
    if "amount" not in state.slots:
        _ask(turn, "billing_amount")
        return
    if "date" not in state.slots:
        turn.say(f"Sorry about that. I've noted {_charged(state.slots)}.")
        state.slots["noted"] = True
        _ask(turn, "billing_date")
        return
    if turn.message.channel not in REACHABLE_LATER and "callback" not in state.slots:
        if state.awaiting is None and not state.slots.get("noted"):
            turn.say(f"Sorry about that. I've noted {_charged(state.slots)}, session on {state.slots['date']}.")
        _ask(turn, "billing_contact")
        return
    _file(turn)


def answer(turn: Turn) -> None:
    """Take the answer to the open billing question."""
    state = turn.state
    _keep_facts(turn)
    if state.awaiting == "billing_amount":
        value = state.slots.get("amount") or (turn.text if re.search(r"\d", turn.text) else None)
        if value is None and state.asked < 2:
            turn.say("Sorry, I need the amount as it shows on your statement, for example \"12.50 euro\".")
            state.ask("billing_amount")
            return
        state.slots["amount"] = str(value or "not given")
    elif state.awaiting == "billing_date":
        state.slots.setdefault("date", "not given")
    elif state.awaiting == "billing_contact":
        state.slots.setdefault("callback", "none given (answer in the chat)")
    state.settle()
    run(turn)


def _keep_facts(turn: Turn) -> None:
    """Every fact the driver gives stays: the amount as written, how many times, their own words."""
    slots = turn.state.slots
    if turn.memo.get("billing_kept"):
        return
    turn.memo["billing_kept"] = True
    if turn.text:
        slots["billing_words"] = (str(slots.get("billing_words", "")) + f" \"{turn.text}\"").strip()[-600:]
    written = _MONEY.search(turn.text or "")
    amount = written.group(0).strip() if written else turn.entity("amount")
    if amount and "amount" not in slots:
        slots["amount"] = str(amount)
    times = _TIMES.search(turn.text or "")
    if times and "times" not in slots:
        slots["times"] = times.group(1).lower()
    date = _DATE.search(turn.text or "")
    if date and "date" not in slots:
        slots["date"] = date.group(0)
    contact = _CONTACT.search(turn.text or "")
    if contact and "callback" not in slots and not _MONEY.fullmatch(contact.group(0).strip()):
        slots["callback"] = contact.group(0).strip()
    elif _NO_CONTACT.search(turn.text or "") and "callback" not in slots:
        slots["callback"] = "none given (answer in the chat)"


def _charged(slots: dict[str, Any]) -> str:
    times = f", charged {slots['times']}" if slots.get("times") else ""
    return f"{slots.get('amount')}{times}"


def _ask(turn: Turn, what: str) -> None:
    turn.state.ask(what)
    turn.say(*QUESTIONS[what])


def _file(turn: Turn) -> None:
    state = turn.state
    slots = state.slots
    session_note = _matching_session(turn)
    contact = f"; reach the driver at: {slots['callback']}" if slots.get("callback") else ""
    problem = (f"billing dispute: charged {_charged(slots)} for a session on {slots['date']}{session_note}; "
               f"the driver wrote: {slots.get('billing_words', '')}{contact}")
    ref = open_ticket(turn, summary=summary_line(turn, problem))
    if ref is None:
        turn.say("Thank you. I couldn't file it just now; please contact our support line about the charge.")
    else:
        reply = "answer you here" if str(slots.get("callback", "")).startswith("none") else "get back to you"
        turn.say(f"Thank you. I've passed this to our billing team (ticket {ref.id}): {_charged(slots)}, session on "
                 f"{slots['date']}. They will check it against the session record and {reply}, usually within "
                 "two working days.",
                 f"Thank you. I've passed this to our billing team: {_charged(slots)}. They will get back to you, "
                 "usually within two working days.")
    state.intent = None
    for key in ("amount", "date", "times", "billing_words", "callback", "noted"):
        slots.pop(key, None)


def _matching_session(turn: Turn) -> str:
    if not turn.state.charger_id:
        return ""
    snap = turn.snapshot()
    if snap is None or not snap.recent_sessions:
        return "; no recent session found on the charger"
    last = snap.recent_sessions[0]
    energy = last.energy_kwh
    bits = [f"id {last.id}", f"started {iso(last.started_at)}",
            f"{energy} kWh" if energy is not None else None, f"outcome {last.outcome}"]
    return "; latest session on the charger: " + ", ".join(str(b) for b in bits if b)
