"""One small playbook per taxonomy intent, driven by the charger's live state.

A playbook is a module with `run(turn)`; one that starts a remote action may
also have `after_action(turn, pending, outcome)` (called once the driver
confirmed) and one that asks "did it work?" has `after_worked(turn, worked)`.
"""

from __future__ import annotations

from types import ModuleType

from bot.conversation.playbooks import (
    auth,
    billing,
    cable,
    damage,
    diagnose,
    guides,
    recovery,
    safety,
    slow,
    smalltalk,
)

PLAYBOOKS: dict[str, ModuleType] = {
    "start_failure": diagnose,
    "charging_stopped": diagnose,
    "charger_unavailable": diagnose,
    "error_message": diagnose,
    "check_status": diagnose,
    "recovery": recovery,
    "auth_failed": auth,
    "slow_charging": slow,
    "cable_stuck": cable,
    "safety_hazard": safety,
    "report_damage": damage,
    "billing_dispute": billing,
    "payment_failed": guides,
    "how_to_pay": guides,
    "pricing_info": guides,
    "how_to_start": guides,
    "connector_help": guides,
    "request_human": smalltalk,
    "greet": smalltalk,
    "thanks": smalltalk,
    "goodbye": smalltalk,
    "affirm": smalltalk,
    "deny": smalltalk,
    "inform": smalltalk,
    "out_of_scope": smalltalk,
}
# intents that name a problem the bot works on (the rest is conversation glue)
PROBLEMS = frozenset(k for k, v in PLAYBOOKS.items() if v is not smalltalk and k != "recovery")

__all__ = ["PLAYBOOKS", "PROBLEMS"]
