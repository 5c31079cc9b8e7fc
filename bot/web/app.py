"""`create_app()` is the only place that builds the Flask app: its services, pages and, when served, workers."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from bot.app.content import load_content
from bot.app.pages import register_pages
from bot.app.tables import load_all_models
from bot.channels.deferred import DEFAULT_BUDGET_S, DeferredTurns
from bot.channels.outbox import ReplyOutboxStore
from bot.channels.ratelimit import rate_limiter_for
from bot.channels.recovery import RecoveryStarter
from bot.config import Settings, load_settings
from bot.conversation.factory import build_engine
from bot.runtime import Runtime, open_runtime
from bot.services import EXTENSION, Services
from bot.web import health, outage
from bot.web.jsonbody import BoundedJSONProvider, BoundedRequest
from bot.web.proxies import trust_proxies
from handoff.web import start_background

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 256 * 1024


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None, background: bool = False,
               **collaborators: Any) -> Flask:
    """Build the web app; `collaborators` (fields of bot.services.Services) replace I/O clients in tests.

    The rules, policy and knowledge base are read here, once. `background=True` (the served app, not tests)
    also starts the periodic work: helpdesk delivery, the offline-charger sweep and the network-outage check
    (leased, so one process runs each pass), and, once the database answers, builds the conversation engine and
    recovers the turns a dead process left unfinished. Without `runtime` the app starts even while the
    database is unreachable, and finishes its start when the database answers (see bot.web.outage).
    """
    load_all_models()
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
    services = app.extensions[EXTENSION] = _services(app, runtime, background, Services(**collaborators))

    outage.install(app)  # sets g.runtime for each request
    _register_error_handlers(app)
    app.register_blueprint(health.blueprint)
    register_pages(app)
    if background:
        gate = app.extensions["chargeline.start_gate"]
        app.extensions["chargeline.background"] = start_background(runtime, services.rules, ready=gate.ready)
        # builds the engine once the database answers, then resumes turns a dead process left unfinished and
        # texts replies still to be sent (bot.channels.recovery)
        app.extensions["chargeline.recovery"] = RecoveryStarter(app, gate.ready).start()
    return app


def _services(app: Flask, runtime: Runtime, background: bool, services: Services) -> Services:
    """Fill in what the tests did not hand in: content read once, per-app workers and limiters, the engine's recipe."""
    settings = runtime.settings
    content = load_content(settings, knowledge=services.knowledge)
    services.rules = content.rules if services.rules is None else services.rules
    services.policy = content.policy if services.policy is None else services.policy
    services.knowledge = content.knowledge
    if background and services.reply_outbox is None:  # the served app queues deferred replies for recovery
        services.reply_outbox = ReplyOutboxStore(runtime.sessions)
    if services.deferred is None:
        services.deferred = DeferredTurns(budget=services.turn_budget or DEFAULT_BUDGET_S,
                                          outbox=services.reply_outbox)
    if services.rate_limiter is None:
        services.rate_limiter = rate_limiter_for(settings.redis_url)
    if services.webchat_address_limiter is None and settings.webchat_address_limit is not None:
        services.webchat_address_limiter = rate_limiter_for(settings.redis_url, *settings.webchat_address_limit)
    if services.webchat_session_limiter is None and settings.webchat_session_limit is not None:
        services.webchat_session_limiter = rate_limiter_for(settings.redis_url, *settings.webchat_session_limit)

    def engine() -> Any:  # the runtime as the start left it (bot.web.outage finishes a start begun in an outage)
        return build_engine(app.extensions["chargeline"], rules=services.rules, policy=services.policy,
                            knowledge=services.knowledge)

    services.engine_factory = services.engine_factory or engine
    return services


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
