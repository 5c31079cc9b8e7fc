"""`/api/chargers`: live charger state (from the database) and remote commands (through the bridge)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request

from bot.apitoken import api_token_required
from bot.errors import (
    ChargeLineError,
    ChargerUnreachable,
    PolicyRefused,
    UnknownCharger,
)
from bot.services import services
from ocpp_bridge.calls import CommandTimeout
from ocpp_bridge.client import BridgeClient
from ocpp_bridge.commands import BadCommand
from ocpp_bridge.state import charger_snapshot

log = logging.getLogger(__name__)
API_CALLER = "api"  # who the audit says asked, for a holder of the API token
blueprint = Blueprint("ocpp_bridge", __name__)


def _error(status: int, error: str, detail: str, **extra: Any):  # type: ignore[no-untyped-def]
    return jsonify(error=error, detail=detail, **extra), status


def bridge_client(app: Flask) -> BridgeClient:
    """The injected bridge collaborator, or one built from settings (once per app)."""
    injected = services(app).bridge
    if injected is not None:
        return injected  # type: ignore[no-any-return]
    client = app.extensions.get("ocpp_bridge.client")
    if client is None:
        runtime = app.extensions["chargeline"]
        client = app.extensions["ocpp_bridge.client"] = BridgeClient(runtime.settings.bridge_url, runtime.api_token,
                                                                     sessions=runtime.sessions)
    return client  # type: ignore[no-any-return]


@blueprint.get("/api/chargers/<charger_id>")
@api_token_required
def get_charger(charger_id: str):  # type: ignore[no-untyped-def]
    """Live state of one charger."""
    with current_app.extensions["chargeline"].sessions() as session:
        snapshot = charger_snapshot(session, charger_id)
    if snapshot is None:
        return _error(404, "unknown_charger", f"no charger {charger_id!r} in the fleet")
    return jsonify(snapshot)


@blueprint.post("/api/chargers/<charger_id>/commands")
@api_token_required
def post_command(charger_id: str):  # type: ignore[no-untyped-def]
    """Run a remote command on one charger (the approved-actions policy applies to bots).

    With `payload` instead of `params`, `action` is any central-system action of the charger's protocol and
    `payload` its request in the protocol's own field names; the charger's answer comes back verbatim.

    The audit names the caller the token proves (`api`); a `requested_by` in the body is kept only as the
    caller's claim (`claimed_by`), and a claim to be a bot puts the command under the bot's policy.
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("action"), str) \
            or not isinstance(body.get("params") or {}, dict) or not isinstance(body.get("payload", {}), dict):
        return _error(400, "bad_request", 'expected JSON {"action": ..., "params": {...}, "verify": true} or '
                                          '{"action": ..., "payload": {...}} (the protocol\'s own request)')
    claim = body.get("requested_by")
    try:
        result = bridge_client(current_app).command(
            charger_id, body["action"], body.get("params") or {}, verify=bool(body.get("verify", True)),
            requested_by=API_CALLER, claimed_by=claim if isinstance(claim, str) and claim else None,
            payload=body.get("payload"))
    except PolicyRefused as exc:
        return _error(409, "refused", exc.reason, reason=exc.reason)
    except UnknownCharger as exc:
        return _error(404, "unknown_charger", str(exc))
    except BadCommand as exc:
        return _error(400, "bad_request", str(exc))
    except CommandTimeout as exc:
        return _error(504, "timeout", str(exc), audit_id=exc.audit_id)
    except ChargerUnreachable as exc:
        return _error(503, "unreachable", str(exc))
    except ChargeLineError as exc:
        log.warning("charger=%s command failed: %s", charger_id, exc)
        return _error(502, "bridge_error", str(exc))
    if result.unknown:
        # sent, or maybe sent, and the answer was lost: neither "done" nor "not sent"
        return jsonify(error="unknown", **result.to_dict()), 502
    return jsonify(result.to_dict())


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
