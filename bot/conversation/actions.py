"""Remote actions within the approved policy: decide, confirm with the driver, run, verify, record."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.conversation.turn import Turn
from bot.errors import ChargerUnreachable, PolicyRefused
from bot.messages import Choice
from ocpp_bridge.snapshot import Connector, as_utc

log = logging.getLogger(__name__)

YES_NO = (Choice(title="Yes", payload="yes", dtmf="1"), Choice(title="No", payload="no", dtmf="2"))


@dataclass(frozen=True)
class Outcome:
    """What became of one attempted remote action."""

    kind: str  # done | asked | refused | unreachable | locked | unknown (sent, answer lost: may have run)
    status: str | None = None
    verified: bool = False
    reason: str = ""
    observed: Any = None
    started: datetime | None = None  # wall-clock time the command was sent (the bridge's clock)


def attempt(turn: Turn, action: str, params: dict[str, Any] | None, *, playbook: str, question: str = "",
            confirmed: bool = False, connector_id: int | None = None) -> Outcome:
    """Run `action` on the conversation's charger if the policy allows; ask first where it says so."""
    state = turn.state
    charger_id = state.charger_id
    if charger_id is None:
        raise ValueError("attempt() needs a charger")
    if charger_id in state.safety_chargers:
        log.warning("remote action blocked by safety report conversation=%s charger=%s action=%s",
                    turn.conversation_id, charger_id, action)
        return Outcome("locked", reason="a safety problem was reported on this charger")
    with turn.db() as session:
        # decided as the bridge will: on the connector the command names (none for a whole-charger reset)
        decision = turn.deps.policy.decide(session, action, charger_id, (params or {}).get("connector_id"),
                                           turn.requested_by, params or {})
    if not decision.allowed:
        log.info("policy refused conversation=%s charger=%s action=%s reason=%s",
                 turn.conversation_id, charger_id, action, decision.reason)
        return Outcome("refused", reason=decision.reason)
    if decision.needs_confirmation and not confirmed:
        state.pending_action = {"action": action, "params": params or {}, "playbook": playbook,
                                "connector_id": connector_id}
        state.ask("confirm", ["yes", "no"])
        turn.say(question or f"Shall I run {action} on {turn.label()}?", choices=YES_NO)
        return Outcome("asked")
    return run(turn, action, params, connector_id=connector_id)


def run(turn: Turn, action: str, params: dict[str, Any] | None, *, connector_id: int | None = None) -> Outcome:
    """Send the command through the bridge and wait for its verification; record it for the ticket."""
    charger_id = turn.state.charger_id or ""
    record: dict[str, Any] = {"action": action, "params": params or {}, "connector_id": connector_id,
                              "at": turn.deps.clock().isoformat()}
    started = datetime.now(UTC)
    try:
        result = turn.deps.bridge.command(charger_id, action, params or {}, requested_by=turn.requested_by)
    except PolicyRefused as exc:
        record.update(result="Refused", verified=False, detail=exc.reason)
        turn.state.actions.append(record)
        return Outcome("refused", reason=exc.reason)
    except ChargerUnreachable as exc:
        log.warning("charger unreachable conversation=%s charger=%s action=%s", turn.conversation_id,
                    charger_id, action)
        record.update(result="Unreachable", verified=False, detail=str(exc))
        turn.state.actions.append(record)
        return Outcome("unreachable", reason=str(exc))
    record.update(result=result.status, verified=bool(result.verified), audit_id=result.audit_id,
                  observed=_jsonable(result.observed), detail=_jsonable(result.detail))
    turn.state.actions.append(record)
    if result.status == "Unknown":  # the bridge lost the answer: never report it as done or as not sent
        log.warning("remote action outcome unknown conversation=%s charger=%s action=%s", turn.conversation_id,
                    charger_id, action)
        return Outcome("unknown", status=result.status, reason=str(result.detail or ""), started=started)
    turn.snapshot(fresh=True)  # what the charger reports after the action
    log.info("remote action conversation=%s charger=%s action=%s status=%s verified=%s",
             turn.conversation_id, charger_id, action, result.status, result.verified)
    return Outcome("done", status=result.status, verified=bool(result.verified), observed=result.observed,
                   started=started)


def settled_connector(turn: Turn, connector_id: int, started: datetime | None, *,
                      timeout: float = 10.0) -> Connector | None:
    """The connector as the charger reports it after our command (waiting briefly for its status to land)."""
    deadline = time.monotonic() + timeout
    while True:
        snap = turn.snapshot(fresh=True)
        connector = snap.connector(connector_id) if snap is not None else None
        since = as_utc(connector.since) if connector is not None and connector.since is not None else None
        # a status older than the command is what the charger said before it; wait for the new one
        if connector is None or since is None or started is None or since >= started \
                or connector.free or time.monotonic() >= deadline:
            return connector
        time.sleep(0.2)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)
