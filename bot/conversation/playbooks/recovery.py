"""Remote recovery of a faulted charger: a soft reset within the policy, verified, then "did it work?"."""

from __future__ import annotations

from typing import Any

from bot.conversation import actions
from bot.conversation.describe import Fault, faults
from bot.conversation.escalate import hand_off, summary_line
from bot.conversation.turn import Turn
from bot.messages import Choice

WORKED = (Choice(title="Yes, it works", payload="yes", dtmf="1"), Choice(title="No", payload="no", dtmf="2"))


def recover(turn: Turn, fault: Fault) -> None:
    """Try the approved recovery for this fault, or hand off when no reset can help."""
    exp = fault.explanation
    if exp is not None and (exp.safety or not exp.reset_may_help):
        hand_off(turn, facts={"reset_cannot_fix": True, "safety_alarm": bool(exp.safety)},
                 summary=summary_line(turn, f"fault {fault.code} on connector {fault.connector_id}, "
                                            "a remote reset cannot fix it"),
                 intro=turn.t("recovery.cannot_fix"))
        return
    outcome = actions.attempt(
        turn, "Reset", {"type": "Soft"}, playbook="recovery", connector_id=fault.connector_id,
        question=turn.t("recovery.offer", label=turn.label()))
    after_action(turn, {"action": "Reset", "connector_id": fault.connector_id}, outcome)


def run(turn: Turn) -> None:
    """Re-entered only through `after_action`; a bare run re-reads the charger."""
    snap = turn.snapshot(fresh=True)
    found = faults(turn, snap) if snap else []
    if found:
        recover(turn, found[0])
    else:
        turn.say(turn.t("recovery.no_longer", label=turn.label()))


def after_action(turn: Turn, pending: dict[str, Any], outcome: actions.Outcome) -> None:
    """Tell the driver the verified result and ask them to retry, or hand off."""
    if outcome.kind == "asked":
        return
    label = turn.label()
    if outcome.kind == "done" and outcome.verified and not _still_faulted(turn, pending.get("connector_id"), outcome):
        turn.state.intent = "recovery"
        turn.state.ask("worked", ["yes", "no"])
        turn.say(turn.t("recovery.done", label=label), turn.t("recovery.done_voice", label=label), choices=WORKED)
        return
    if outcome.kind == "refused":
        hand_off(turn, facts={"recovery_refused": True, "refusal_reason": outcome.reason},
                 summary=summary_line(turn, f"faulted; remote reset not allowed ({outcome.reason})"),
                 intro=turn.t("recovery.refused", label=label, reason=outcome.reason))
        return
    if outcome.kind == "unknown":
        hand_off(turn, facts={"recovery_attempted": True, "recovery_verified": False},
                 summary=summary_line(turn, "faulted; remote reset sent but its outcome is unknown (bridge lost)"),
                 intro=turn.t("recovery.unknown", label=label))
        return
    if outcome.kind == "unreachable":
        hand_off(turn, facts={"charger_unreachable": True},
                 summary=summary_line(turn, "faulted and did not answer a remote reset"),
                 intro=turn.t("recovery.unreachable", label=label))
        return
    hand_off(turn, facts={"recovery_attempted": True, "recovery_verified": False},
             summary=summary_line(turn, "faulted; remote recovery attempted but not verified, fault persists"),
             intro=turn.t("recovery.persists", label=label))


def after_worked(turn: Turn, worked: bool) -> None:
    """The driver's answer to "did it work?"."""
    if worked:
        turn.state.intent = None
        turn.say(turn.t("recovery.worked"))
        return
    hand_off(turn, facts={"recovery_helped": False},
             summary=summary_line(turn, "remote recovery attempted and verified, but the driver still cannot charge"),
             intro=turn.t("recovery.still_broken"))


def _still_faulted(turn: Turn, connector_id: Any, outcome: actions.Outcome) -> bool:
    if connector_id:
        actions.settled_connector(turn, int(connector_id), outcome.started)
    snap = turn.snapshot()
    if snap is None or not snap.online:
        return True
    found = faults(turn, snap)
    if connector_id:
        found = [f for f in found if f.connector_id == connector_id]
    return bool(found)
