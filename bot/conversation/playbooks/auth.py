"""Card or app refused: what the charger saw for that id tag, and what to do about it."""

from __future__ import annotations

from bot.conversation.actions import YES_NO
from bot.conversation.describe import describe
from bot.conversation.escalate import hand_off, hand_off_if_due, known_incident, open_ticket, summary_line
from bot.conversation.playbooks import guides
from bot.conversation.slots import need_charger
from bot.conversation.turn import Turn
from ocpp_bridge.snapshot import ChargerSnapshot, ChargeSession

ADVICE = {
    "Blocked": "The charger saw your card and our system reports it as blocked. Please contact your card "
               "provider (the company that issued it) to unblock it; meanwhile you can start with the app.",
    "Expired": "The charger saw your card, but it has expired. Please ask your card provider for a new one; "
               "meanwhile you can start with the app.",
    "Invalid": "The charger saw your card, but it is not known on this network. If it comes from another "
               "provider, roaming may not cover this site: please use the app or another payment method.",
    "ConcurrentTx": "Your card is already in use for another session; stop that session first.",
}


def run(turn: Turn) -> None:
    """Look up the latest authorisation attempts on this charger and explain them."""
    if known_incident(turn, "auth_failed"):
        ref = open_ticket(turn, summary=summary_line(turn, f"card/app refused during the network incident: "
                                                           f"\"{turn.text}\""))
        note = f" I've added your report to it (ticket {ref.id})." if ref else ""
        turn.say("There is a known problem with card and app authorisation across our network right now, and our "
                 f"team is already working on it.{note} Please try again in a few minutes, or start with another "
                 "card or payment method.",
                 "There is a known problem with cards and the app across our network right now, and our team "
                 "is working on it. Please try again in a few minutes.")
        turn.state.intent = None
        return
    if not need_charger(turn):
        return
    snap = turn.snapshot()
    if snap is None or not snap.online:
        if snap is not None:
            turn.say(*describe(turn, snap))
        hand_off(turn, facts={"card_refused": True, "no_live_data": snap is None},
                 summary=summary_line(turn, "card/app authorisation failed; no live data"))
        return
    attempt = _latest_attempt(snap)
    if attempt is None:
        turn.say(f"I checked {turn.label()}: it is online, but it has not received a card or app request "
                 "from you recently. Hold the card flat on the reader for two seconds until it beeps, "
                 "or start from the app.")
        guides.say_guides(turn, "auth_failed")
        turn.state.intent = None
        return
    verdict = _verdict(attempt)
    tag = attempt.id_tag
    seen = f" (card {tag})" if tag else ""
    if verdict == "Accepted":
        turn.say(f"I checked {turn.label()}: your card{seen} was accepted, so payment is fine. The start "
                 "failed after that; here is the sequence that works:")
        guides.say_guides(turn, "how_to_start")
    else:
        turn.say(f"I checked {turn.label()}{seen}. " + ADVICE.get(verdict, ADVICE["Invalid"]))
    summary = summary_line(turn, f"card/app authorisation {verdict}; the charger has had trouble recently")
    if hand_off_if_due(turn, summary=summary, intro="There has been more trouble at this charger recently, "
                                                    "so a colleague should look at it."):
        return
    turn.state.intent = None
    if verdict in ("Blocked", "Expired", "Invalid"):  # nothing the bot can change: a person can look at the card
        turn.state.ask("offer_human", ["yes", "no"])
        turn.say("If you can't pay another way, I can pass this to a colleague who can look at your card. Shall I?",
                 "If you can't pay another way, I can pass you to a colleague. Shall I?", choices=YES_NO)


def _latest_attempt(snap: ChargerSnapshot) -> ChargeSession | None:
    for entry in snap.recent_sessions:
        if entry.id_tag or entry.outcome == "rejected":
            return entry
    return None


def _verdict(entry: ChargeSession) -> str:
    outcome = str(entry.outcome or "")
    reason = str(entry.reason or "")
    for status in ("Blocked", "Expired", "Invalid", "ConcurrentTx"):
        if status.lower() in reason.lower():
            return status
    if outcome == "rejected":
        return "Invalid"
    return "Accepted"
