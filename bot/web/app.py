"""`create_app()` is the only place that builds the Flask app."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from bot.config import Settings, load_settings
from bot.plugins import optional_modules
from bot.runtime import Runtime, open_runtime
from bot.web import outage
from bot.web.jsonbody import BoundedJSONProvider, BoundedRequest
from bot.web.proxies import trust_proxies

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 256 * 1024


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None, background: bool = False,
               **collaborators: Any) -> Flask:
    """Build the web app; `collaborators` replace I/O clients (bridge, NLU, Twilio, Telegram) in tests.

    `background=True` (the served app, not tests) also starts the periodic work: helpdesk delivery,
    the offline-charger sweep and the network-outage check (leased, so one process runs each pass), and the
    recovery of turns a dead process left unfinished.
    Without `runtime` the app starts even while the database is unreachable, and finishes its start when the
    database answers (see bot.web.outage).
    """
    if runtime is None:
        runtime = open_runtime(settings or load_settings())
    app = Flask(__name__)
    app.json = BoundedJSONProvider(app)  # deep JSON is a bad request, not a RecursionError
    app.request_class = BoundedRequest  # a chunked body over the limit is a 413, not cut short
    app.wsgi_app = trust_proxies(app.wsgi_app, runtime.settings.trusted_proxies)  # type: ignore[method-assign,assignment]
    app.config.update(
        SECRET_KEY=runtime.secret_key or None,  # none yet: kept in a database that has not answered
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=runtime.settings.public_url.startswith("https://"),
    )
    app.extensions["chargeline"] = runtime
    app.extensions["chargeline.collaborators"] = collaborators

    outage.install(app)  # sets g.runtime for each request
    _register_error_handlers(app)
    _register_blueprints(app)
    if background:
        from bot.channels.recovery import RecoveryStarter
        from handoff.rules import load_rules
        from handoff.web import start_background

        gate = app.extensions["chargeline.start_gate"]
        app.extensions["chargeline.background"] = start_background(runtime, load_rules(runtime.settings.rules_file),
                                                                   ready=gate.ready)
        # turns a dead process left unfinished, and replies still to be texted (bot.channels.recovery)
        app.extensions["chargeline.recovery"] = RecoveryStarter(app, gate.ready).start()
    return app


def _register_blueprints(app: Flask) -> None:
    from bot.web import health

    app.register_blueprint(health.blueprint)
    for module in optional_modules(WEB_MODULES):
        module.register(app)


# Modules that serve pages or webhooks, each with `register(app)`; a package
# still being built may be absent.
WEB_MODULES = [
    "ocpp_bridge.web",  # /api/chargers
    "bot.chat.web",  # /chat, /api/chat
    "bot.knowledge.web",  # /kb/images (connector pictures)
    "bot.channels.web",  # /twilio/sms, /telegram/webhook
    "ivr.web",  # /twilio/voice
    "handoff.web",  # /api/tickets, /api/incidents
    "handoff.console.web",  # /agent (the agent console)
    "handoff.console.outage",  # /agent while the database is unavailable
    "handoff.dashboard",  # /agent/dashboard (support metrics)
    "handoff.metrics_web",  # /metrics
]


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        return jsonify(error=exc.name, detail=exc.description), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        if outage.is_database_outage(exc):  # every channel's own apology, a JSON 503 for the API
            return outage.outage_answer(exc)
        log.exception("unhandled error in web request")
        return jsonify(error="Internal Server Error", detail="something went wrong; it has been logged"), 500
