"""Cable stuck: stop the session if one runs, unlock the connector remotely, verify, else hand off."""

from __future__ import annotations

from typing import Any

from bot.conversation import actions
from bot.conversation.escalate import hand_off, summary_line
from bot.conversation.slots import need_charger, need_connector
from bot.conversation.turn import Turn

# the car's side of a stuck cable is the catalogue's cable.car_side (bot/i18n), in the driver's language


def run(turn: Turn) -> None:
    """Find the connector, then stop and unlock within the policy."""
    if not need_charger(turn):
        return
    snap = turn.snapshot()
    if snap is None or not snap.online:
        turn.say(turn.t("cable.unreachable", label=turn.label(), car_side=turn.t("cable.car_side")))
        hand_off(turn, facts={"cable_release_failed": True, "no_live_data": snap is None},
                 summary=summary_line(turn, "cable stuck; charger not reachable"))
        return
    if not need_connector(turn, snap, prefer=snap.busy_connector):
        return
    tx = snap.active_session(turn.state.connector_id)
    if tx:
        params = {"transaction_id": tx.transaction_id or tx.id}
        outcome = actions.attempt(
            turn, "RemoteStopTransaction", params, playbook="cable_stuck", connector_id=turn.state.connector_id,
            question=turn.t("cable.stop_first", id=turn.state.connector_id))
        after_action(turn, {"action": "RemoteStopTransaction"}, outcome)
        return
    _unlock(turn)


def _unlock(turn: Turn, *, confirmed: bool = False) -> None:
    outcome = actions.attempt(
        turn, "UnlockConnector", {"connector_id": turn.state.connector_id}, playbook="cable_stuck",
        connector_id=turn.state.connector_id, confirmed=confirmed,
        question=turn.t("cable.offer", id=turn.state.connector_id, label=turn.label()))
    after_action(turn, {"action": "UnlockConnector"}, outcome)


def after_action(turn: Turn, pending: dict[str, Any], outcome: actions.Outcome) -> None:
    """Continue after the stop (unlock next) or report the unlock."""
    if outcome.kind == "asked":
        return
    if pending.get("action") == "RemoteStopTransaction":
        if outcome.kind == "done" and outcome.status == "Accepted":
            turn.say(turn.t("cable.stopped"))
            if turn.state.connector_id:  # the policy refuses an unlock while the session still shows as running
                actions.settled_connector(turn, int(turn.state.connector_id), outcome.started)
            _unlock(turn, confirmed=True)  # the driver already agreed to release the cable
            return
        _failed(turn, outcome, "could not stop the running session")
        return
    if outcome.kind == "done" and (outcome.verified or outcome.status == "Unlocked"):
        turn.say(turn.t("cable.unlocked", id=turn.state.connector_id, car_side=turn.t("cable.car_side")),
                 turn.t("cable.unlocked_voice", id=turn.state.connector_id))
        turn.state.intent = None
        return
    _failed(turn, outcome, "remote unlock did not release the connector")


def _failed(turn: Turn, outcome: actions.Outcome, problem: str) -> None:
    if outcome.kind == "unknown":
        turn.say(turn.t("cable.unknown", car_side=turn.t("cable.car_side")))
    else:
        turn.say(turn.t("cable.failed", car_side=turn.t("cable.car_side")))
    reason = f" ({outcome.reason})" if outcome.reason else ""
    hand_off(turn, facts={"cable_release_failed": True}, summary=summary_line(turn, f"cable stuck; {problem}{reason}"))

