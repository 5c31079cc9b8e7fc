"""Remote commands an agent may send from a ticket page, through the bridge, audited as `agent:<name>`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.errors import ChargeLineError, PolicyRefused
from handoff.clock import iso, utcnow
from ocpp_bridge.client import BridgeClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    """One button: the OCPP action, its fixed params, and whether it needs the ticket's connector."""

    key: str
    title: str
    action: str
    params: dict[str, Any]
    per_connector: bool = False


# the approved actions of ocpp_bridge/default_policy.yml that make sense from a ticket (no hard reset)
COMMANDS = {c.key: c for c in (
    Command("soft_reset", "Soft reset", "Reset", {"type": "Soft"}),
    Command("unlock", "Unlock connector", "UnlockConnector", {}, per_connector=True),
    Command("trigger_status", "Ask for status", "TriggerMessage", {"requested_message": "StatusNotification"}),
    Command("available", "Make connector available", "ChangeAvailability", {"type": "Operative"},
            per_connector=True),
    Command("out_of_service", "Take connector out of service", "ChangeAvailability", {"type": "Inoperative"},
            per_connector=True),
)}


@dataclass(frozen=True)
class Outcome:
    """What the bridge said, as a ticket action line plus a sentence for the agent."""

    ok: bool
    message: str
    action: dict[str, Any]


def run_command(bridge: BridgeClient, command: Command, charger_id: str, connector_id: int | None,
                requested_by: str) -> Outcome:
    """Send `command` through the bridge (its policy applies) and describe the result."""
    params = dict(command.params)
    if command.per_connector:
        params["connector_id"] = connector_id or 1
    line: dict[str, Any] = {"action": command.action, "params": params, "by": requested_by, "at": iso(utcnow())}
    try:
        result = bridge.command(charger_id, command.action, params, verify=True, requested_by=requested_by)
    except PolicyRefused as exc:
        line.update(result="Refused", verified=False, detail=exc.reason)
        return Outcome(False, f"{command.title}: refused by the policy ({exc.reason}).", line)
    except ChargeLineError as exc:  # unreachable, unknown charger, bad command, timeout
        log.warning("agent command failed charger=%s action=%s: %s", charger_id, command.action, exc)
        line.update(result="Failed", verified=False, detail=str(exc))
        return Outcome(False, f"{command.title}: {exc}", line)
    line.update(result=result.status, verified=result.verified, audit_id=result.audit_id)
    verified = {True: "verified", False: "not verified", None: "not checked"}[result.verified]
    return Outcome(result.status == "Accepted", f"{command.title}: {result.status}, {verified}.", line)
