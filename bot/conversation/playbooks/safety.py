"""Safety report: instructions first, that connector out of service, safety lock, immediate handoff (P1)."""

from __future__ import annotations

import logging

from bot.conversation import actions
from bot.conversation.escalate import hand_off, summary_line
from bot.conversation.slots import named_charger
from bot.conversation.turn import Turn

log = logging.getLogger(__name__)

# the instructions themselves are the catalogue's safety.instructions (bot/i18n), in the driver's language


def run(turn: Turn) -> None:
    """Never ask first: safety words go out, then the charger is taken out of service and a human called."""
    state = turn.state
    found = named_charger(turn)  # the charger named in the report wins over an earlier one
    if found.charger_id and found.charger_id != state.charger_id:
        state.charger_id, state.connector_id = found.charger_id, None
    if state.charger_id in state.safety_chargers and state.handed_off:
        # reported already in this conversation: field engineering has it; don't read the whole script again
        turn.say(turn.t("safety.noted", ticket=state.handed_off), turn.t("safety.noted_voice"))
        state.intent = None
        return
    text, sms = turn.t("safety.instructions"), turn.t("safety.instructions_sms")
    # a separate SMS text only where it differs (German is longer than one SMS); English keeps its one text
    turn.say(text, turn.t("safety.instructions_voice"), sms=sms if sms != text else None)
    state.intent = "safety_hazard"
    state.pending_action = None
    charger_id = state.charger_id
    taken_out = False
    if charger_id and charger_id not in state.safety_chargers:
        # the one remote action allowed on this charger in this conversation, before the lock
        outcome = actions.attempt(turn, "ChangeAvailability",
                                  {"connector_id": state.connector_id or 0, "type": "Inoperative"},
                                  playbook="safety_hazard", confirmed=True, connector_id=state.connector_id or 0)
        taken_out = outcome.kind == "done" and outcome.status in ("Accepted", "Scheduled")
        state.safety_chargers.append(charger_id)
        try:
            with turn.db() as session:
                turn.deps.bridge.set_safety_lock(session, charger_id, f"safety report in conversation "
                                                                      f"{turn.conversation_id}")
        except Exception:  # the conversation's own lock (safety_chargers) still blocks us
            log.exception("safety lock failed conversation=%s charger=%s", turn.conversation_id, charger_id)
    if taken_out:
        turn.say(turn.t("safety.taken_out", label=turn.label()))
    hand_off(turn, facts={"safety": True}, summary=summary_line(turn, f"SAFETY report: \"{turn.text}\""))
    state.intent = None


def after_action(turn: Turn, pending: dict, outcome: actions.Outcome) -> None:
    """Safety never waits for a confirmation; nothing to continue."""
