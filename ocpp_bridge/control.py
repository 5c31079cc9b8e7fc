"""The bridge's control API (aiohttp on 127.0.0.1): how the web process asks for remote commands."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from bot.apitoken import CHALLENGE, UNAUTHORIZED, bearer_matches
from bot.errors import ChargerUnreachable, PolicyRefused, UnknownCharger
from ocpp_bridge.calls import CommandTimeout, CommandUnknown
from ocpp_bridge.commands import BadCommand
from ocpp_bridge.service import CommandService

log = logging.getLogger(__name__)
SERVICE = web.AppKey("service", CommandService)
TOKEN = web.AppKey("token", str)


def _error(status: int, error: str, detail: str, **extra: Any) -> web.Response:
    return web.json_response({"error": error, "detail": detail, **extra}, status=status)


@web.middleware
async def _bearer(request: web.Request, handler: Any) -> web.StreamResponse:
    """Every route but the health check needs the API token."""
    if request.path != "/healthz":
        if not bearer_matches(request.headers.get("Authorization"), request.app[TOKEN]):
            return web.json_response(UNAUTHORIZED, status=401, headers={"WWW-Authenticate": CHALLENGE})
    return await handler(request)


async def health(request: web.Request) -> web.Response:
    """Liveness and how many chargers this node holds."""
    core = request.app[SERVICE].core
    return web.json_response({"ok": True, "node": core.options.node_id, "chargers": len(core.links)})


async def command(request: web.Request) -> web.Response:
    """Run one remote command: `{charger_id, action, params, verify, requested_by, command_id?, claimed_by?}`,
    or a raw one: `{charger_id, action, payload, requested_by, caller_role?, ...}` (the payload in native names).

    Only the web process calls this port: `requested_by` is the caller it authenticated, `claimed_by` what an
    API caller said about itself (a note in the audit), `command_id` the web's id for finding the audit row.
    """
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _error(400, "bad_request", "the body must be JSON")
    if not isinstance(body, dict) or not isinstance(body.get("charger_id"), str) \
            or not isinstance(body.get("action"), str) or not isinstance(body.get("params") or {}, dict):
        return _error(400, "bad_request", "expected {charger_id, action, params?, verify?, requested_by}")
    command_id, claimed_by = _text(body, "command_id", 64), _text(body, "claimed_by", 120)
    service, requested_by = request.app[SERVICE], body.get("requested_by") or "api"
    try:
        if "payload" in body:  # a raw action: the protocol's own request, sent as given
            result = await service.run_raw(body["charger_id"], body["action"], body["payload"],
                                           requested_by=requested_by, caller_role=_text(body, "caller_role", 32),
                                           command_id=command_id, claimed_by=claimed_by)
        else:
            result = await service.run(
                body["charger_id"], body["action"], body.get("params") or {}, verify=bool(body.get("verify", True)),
                requested_by=requested_by, command_id=command_id, claimed_by=claimed_by)
    except BadCommand as exc:
        return _error(400, "bad_request", str(exc))
    except UnknownCharger as exc:
        return _error(404, "unknown_charger", str(exc))
    except PolicyRefused as exc:
        return _error(409, "refused", exc.reason, reason=exc.reason)
    except CommandTimeout as exc:
        return _error(504, "timeout", str(exc), audit_id=exc.audit_id)
    except CommandUnknown as exc:
        return web.json_response({"error": "unknown", "detail": str(exc), "status": "Unknown", "verified": None,
                                  "observed": [], "audit_id": exc.audit_id, "command_id": command_id}, status=502)
    except ChargerUnreachable as exc:
        return _error(503, "unreachable", str(exc))
    except Exception:
        log.exception("charger=%s command %s failed", body.get("charger_id"), body.get("action"))
        return _error(500, "internal", "the bridge failed to run the command; it has been logged")
    return web.json_response(result)


def _text(body: dict[str, Any], key: str, limit: int) -> str | None:
    value = body.get(key)
    return value[:limit] if isinstance(value, str) and value else None


async def start_control(service: CommandService, token: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve the control API on 127.0.0.1:port (0 picks a free port); returns the runner and the port."""
    app = web.Application(middlewares=[_bearer], client_max_size=64 * 1024)
    app[SERVICE], app[TOKEN] = service, token
    app.router.add_get("/healthz", health)
    app.router.add_post("/commands", command)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = runner.addresses[0][1]
    return runner, bound
