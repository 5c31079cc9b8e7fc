"""Read the charger first, say what we see, then fix, guide or hand off (start, stop, status, errors)."""

from __future__ import annotations

from bot.conversation import progress
from bot.conversation.describe import describe, driver_words, explain_fault, faults, lower_first
from bot.conversation.escalate import (
    escalation_due,
    hand_off,
    hand_off_if_due,
    history_words,
    open_ticket,
    summary_line,
)
from bot.conversation.playbooks import guides, recovery, smalltalk
from bot.conversation.slots import ask_about_fault, need_charger
from bot.conversation.turn import Turn
from ocpp_bridge.snapshot import ChargerSnapshot

STOP_REASONS = {
    "EVDisconnected": "the cable was unplugged or the car ended the session",
    "Local": "the session was stopped at the charger",
    "Remote": "the session was stopped from the app or by the operator",
    "PowerLoss": "the charger lost power",
    "EmergencyStop": "the emergency stop was pressed",
    "DeAuthorized": "your card or app authorisation was withdrawn",
    "EVSEFault": "the charger hit a fault",
    "Reboot": "the charger restarted",
}


def run(turn: Turn) -> None:
    """Diagnose from live state for the intent being worked on."""
    intent = turn.state.intent or turn.understood.intent
    if not need_charger(turn):
        return
    snap = turn.snapshot()
    label = turn.label()
    if snap is None:
        turn.say(turn.t("diagnose.no_live_data", label=label))
        if intent != "check_status":
            hand_off(turn, facts={"no_live_data": True},
                     summary=summary_line(turn, f"{intent}; no live data for the charger"))
        return
    if not snap.online:
        text, voice = describe(turn, snap)
        turn.say(text, voice)
        if intent == "check_status":
            ref = open_ticket(turn, facts={"charger_online": False},
                              summary=summary_line(turn, "driver asked about an offline charger"))
            note = turn.t("diagnose.reported", ticket=ref.id) if ref else ""
            turn.say(turn.t("diagnose.use_another", note=note))
            turn.state.intent = None
            return
        hand_off(turn, facts={"charger_online": False}, summary=summary_line(turn, f"{intent}; charger offline"),
                 intro=turn.t("diagnose.offline_intro"))
        return
    found = faults(turn, snap)
    alarms = [f for f in found if f.explanation is not None and f.explanation.safety]
    if alarms:  # a safety alarm on any connector goes to field engineering, whichever plug the driver uses
        found = alarms
    elif found and len({f.connector_id for f in found}) < len(snap.plugs):
        # only some connectors are faulted: lead with the fault, and ask whether that is the driver's plug
        if turn.state.connector_id is None and not ask_about_fault(turn, snap, found[0].connector_id):
            return
        elsewhere = bool(found)
        found = [f for f in found if f.connector_id == turn.state.connector_id]
        turn.memo["fault_elsewhere"] = elsewhere and not found
    text, voice = describe(turn, snap, connector_id=turn.state.connector_id if found else None)
    turn.say(text, voice)
    if found:
        turn.say(explain_fault(found[0]), explain_fault(found[0], "voice"), sms=explain_fault(found[0], "sms"))
        recovery.recover(turn, found[0])
        return
    if _troubled(turn, intent):
        return
    HEALTHY[intent](turn, snap)


def _troubled(turn: Turn, intent: str) -> bool:
    """The charger looks fine, but a rule fires on its history (repeated failed starts, an unstable connection)."""
    summary = summary_line(turn, f"{intent}; the charger looks fine now but has had trouble recently")
    if intent != "check_status":
        seen = history_words(turn) or "it has had trouble recently"
        return hand_off_if_due(turn, summary=summary, intro=f"But {seen}, so a colleague should look at it. "
                                                           "Please use another charger for now.")
    if escalation_due(turn) is None:
        return False
    ref = open_ticket(turn, summary=summary)
    note = f" I've reported it (ticket {ref.id})." if ref else ""
    turn.say(f"It has had trouble recently, though, so it may not work for you.{note} If you can, use another "
             "charger.")
    turn.state.intent = None
    return True


def _start_failure(turn: Turn, snap: ChargerSnapshot) -> None:
    if turn.memo.get("vague"):
        # "it doesn't work" on a charger that looks fine: ask what happens rather than guess a guide
        turn.state.intent = None
        turn.say(turn.t("diagnose.vague"), turn.t("diagnose.vague_voice"), choices=smalltalk.PROBLEM_CHOICES)
        return
    if turn.memo.get("fault_elsewhere"):
        turn.say(f"Connector {turn.state.connector_id}, the one you're using, has no fault, so it is most likely the "
                 "start sequence:", "Your connector has no fault, so it is most likely the order of the steps.")
    else:
        turn.say(turn.t("diagnose.sequence"), turn.t("diagnose.sequence_voice"))
    if not guides.say_guides(turn, "how_to_start", prefer=START_GUIDES):
        progress.no_progress(turn, "start failure on a healthy charger; the start guides did not help")
        return
    if turn.state.awaiting != "steps":  # a guide given step by step ends with this itself
        turn.say(turn.t("diagnose.still_no_start"))
    turn.state.intent = None


START_GUIDES = ("plug-or-authorise-first", "start-app", "start-qr", "start-contactless", "no-app")


def _check_status(turn: Turn, snap: ChargerSnapshot) -> None:
    turn.say(turn.t("diagnose.free") if snap.free_plugs else turn.t("diagnose.busy"))
    turn.state.intent = None


def _charger_unavailable(turn: Turn, snap: ChargerSnapshot) -> None:
    if snap.active_session():
        turn.say("It is in use by another session at the moment, which is why it shows occupied.")
    else:
        turn.say("On our side it shows no fault and no session. If the screen still says unavailable, "
                 "unplug, wait ten seconds and start again; if that fails, tell me.")
        guides.say_guides(turn, "charger_unavailable")
    turn.state.intent = None


def _charging_stopped(turn: Turn, snap: ChargerSnapshot) -> None:
    statuses = {c.status for c in snap.plugs}
    if "SuspendedEV" in statuses:
        turn.say("The car has paused charging (it may be full to its set limit, on a timer, or managing "
                 "battery temperature). Check the car's charge settings.")
    elif "SuspendedEVSE" in statuses:
        turn.say("The charger paused the session, usually because the site is sharing power; it resumes by itself.")
    elif snap.active_session():
        turn.say("The session is still running on our side, so the app may just not have updated.")
    else:
        last = snap.recent_sessions[0] if snap.recent_sessions else None
        reason = STOP_REASONS.get(str((last.reason if last is not None else None) or ""))
        if reason:
            turn.say(f"Your last session ended because {reason}.")
        turn.say("You can start a new session now: plug in again and tap your card or use the app.")
    turn.state.intent = None


def _error_message(turn: Turn, snap: ChargerSnapshot) -> None:
    shown = turn.state.slots.get("error_text") or turn.entity("error_text")
    exp = turn.deps.knowledge.error_code(str(shown)) if shown else None
    if exp is not None:
        lead = f"The charger doesn't report a fault right now. \"{shown}\" means: {lower_first(exp.title)}."
        turn.say(lead)
        if not guides.say_guides(turn, "error_message"):  # the step-by-step guide, else the code's own advice
            turn.say(driver_words(exp), driver_words(exp, "voice"), sms=driver_words(exp, "sms"))
    else:
        turn.say("The charger doesn't report a fault right now, so the message was probably temporary. "
                 "Please unplug, plug in again and restart the session.")
    turn.state.intent = None


HEALTHY = {
    "start_failure": _start_failure,
    "check_status": _check_status,
    "charger_unavailable": _charger_unavailable,
    "charging_stopped": _charging_stopped,
    "error_message": _error_message,
}
