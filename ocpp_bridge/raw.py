"""Raw OCPP actions: any central-system request of the charger's protocol, sent with its native payload.

The payload is in the protocol's own (camelCase) field names, checked against the `ocpp` package's schema before
anything is written or sent, audited write-ahead like every command (Pending, then the outcome), and the charger's
answer is returned verbatim. Who may send raw actions is decided by the service (API token and the ops role only).
"""

from __future__ import annotations

import logging
from typing import Any

from jsonschema.exceptions import best_match
from ocpp.messages import get_validator

from bot.errors import ChargeLineError
from bot.logs import mask_id_tag
from ocpp_bridge.actions import csms_actions
from ocpp_bridge.calls import audited_call
from ocpp_bridge.checks import VERSIONS
from ocpp_bridge.commands import BadCommand
from ocpp_bridge.core import Core, Link

log = logging.getLogger(__name__)
_TAG_KEYS = frozenset({"idTag", "idToken", "parentIdTag"})


def check_raw(protocol: str, action: str, payload: Any) -> None:
    """Refuse an action the charger's protocol does not let a central system send, or a payload off its schema."""
    allowed = csms_actions(protocol)
    if action not in allowed:
        raise BadCommand(f"{action[:60]!r} is not a central-system action of {protocol}; "
                         f"one of: {', '.join(sorted(allowed))}")
    if not isinstance(payload, dict):
        raise BadCommand("payload must be a JSON object in the protocol's own field names")
    error = best_match(get_validator(2, action, VERSIONS[protocol]).iter_errors(payload))
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path) or "payload"
        raise BadCommand(f"invalid {action} payload for {protocol}: {where}: {error.message[:200]}")


def answer_problem(protocol: str, action: str, answer: dict[str, Any]) -> str | None:
    """What is off-schema in a charger's answer (returned verbatim all the same), or None."""
    error = best_match(get_validator(3, action, VERSIONS[protocol]).iter_errors(answer))
    return None if error is None else f"the charger's answer is off its schema: {error.message[:200]}"


def masked_payload(value: Any) -> Any:
    """A payload as audited: every idTag/idToken string masked, at any depth."""
    if isinstance(value, dict):
        return {k: (mask_id_tag(v) if k in _TAG_KEYS and isinstance(v, str) else masked_payload(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [masked_payload(item) for item in value]
    return value


async def execute_raw(core: Core, link: Link, action: str, payload: dict[str, Any], *, requested_by: str,
                      command_id: str | None = None, claimed_by: str | None = None) -> dict[str, Any]:
    """Send one raw action to a charger held by this node, audit it, return the charger's answer verbatim."""
    check_raw(link.protocol, action, payload)
    audit_id = await core.write(core.store.audit, link.id, requested_by, action, {"payload": masked_payload(payload)},
                                "Pending", None, None, [], "raw", command_id, claimed_by)
    try:
        return await _send(core, link, action, payload, audit_id, requested_by, command_id)
    except ChargeLineError:
        raise
    except Exception as exc:
        await core.write(core.store.audit_finish, audit_id, "Error", None, None, [], f"bridge error: {exc!r}"[:500])
        raise


async def _send(core: Core, link: Link, action: str, payload: dict[str, Any], audit_id: int, requested_by: str,
                command_id: str | None) -> dict[str, Any]:
    charger_id, detail = link.id, None
    answer, call_error = await audited_call(core, link, action, audit_id, requested_by,
                                            lambda: link.send_raw(action, payload))
    if call_error is not None:
        status, detail = "CallError", call_error
    else:
        status = str(answer.get("status") or "Accepted")
        detail = answer_problem(link.protocol, action, answer)
    await core.write(core.store.audit_finish, audit_id, status, answer, None, [], detail)
    log.info("charger=%s raw %s -> %s (by %s, audit %s)", charger_id, action, status, requested_by, audit_id)
    return {"status": status, "verified": None, "observed": [], "audit_id": audit_id, "answer": answer,
            "detail": detail, "command_id": command_id}
