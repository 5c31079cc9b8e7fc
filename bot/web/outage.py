"""Serving through a database outage: finish a start the outage interrupted, and answer without a 500.

While the database cannot be reached the web process still answers: the voice
fallback and /healthz work as always, a caller is put through to a person, a
texter and a chatter get an apology, and the JSON API answers 503 with
Retry-After. Each blueprint can name its own answer (`on_outage`); the rest
get the JSON one. A process that started during the outage (`open_runtime`)
finishes its start on the first request after the database answers again.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.sms import render_sms
from bot.channels.twilio_auth import forbidden, signed_for_us
from bot.db import describe_outage, is_outage
from bot.messages import Reply
from bot.runtime import DatabaseNotReady, DatabaseUnavailable, Runtime, finish_start
from bot.services import services

log = logging.getLogger(__name__)

RETRY_AFTER_S = 10  # what a 503 tells API clients; about how long a restarting database takes to answer
ATTEMPT_EVERY_S = 2.0  # how often requests may try to finish an interrupted start
RESPONDERS = "chargeline.outage_responders"
# Endpoints that work without the database: they run even before an interrupted start is finished.
WITHOUT_DATABASE = frozenset({
    "health.healthz", "voice.fallback", "voice.whisper", "voice.after_transfer", "voice_status.call_status",
    "chat.chat_page", "knowledge.image",
})
TEXT_APOLOGY = ("Sorry, our support system is having trouble and could not take your message. Please send it "
                "again in a few minutes, or call the number on the charger to reach a person.")
CHAT_DETAIL = "our support system is having trouble for a moment; nothing was saved"
API_DETAIL = "the database is unreachable; nothing was changed, try again shortly"


def is_database_outage(exc: BaseException) -> bool:
    """Whether a request failed because the database is unreachable (or the start is not finished)."""
    return isinstance(exc, DatabaseUnavailable) or is_outage(exc)


def on_outage(app: Flask, blueprint: str, answer: Callable[[], ResponseReturnValue]) -> None:
    """Let `blueprint` answer its own requests while the database is unavailable."""
    app.extensions.setdefault(RESPONDERS, {})[blueprint] = answer


def outage_answer(exc: BaseException) -> ResponseReturnValue:
    """The answer to a request the database's outage stopped: the blueprint's own, else a JSON 503."""
    log.warning("database unavailable for %s %s: %s", request.method, request.path, describe_outage(exc))
    answer = current_app.extensions.get(RESPONDERS, {}).get(request.blueprint or "")
    if answer is not None:
        return answer()  # type: ignore[no-any-return]
    detail = CHAT_DETAIL if request.blueprint == "chat" else API_DETAIL
    return unavailable_json(detail)


def unavailable_json(detail: str) -> Response:
    """503 with a JSON error and Retry-After."""
    response = jsonify(error="Service Unavailable", detail=detail)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


class StartGate:
    """Finishes the start of an app whose runtime came up without its database; one attempt at a time."""

    def __init__(self, app: Flask, *, every: float = ATTEMPT_EVERY_S) -> None:
        self._app = app
        self._every = every
        self._lock = threading.Lock()
        self._next_try = 0.0
        self._last_problem = ""

    def ready(self) -> bool:
        """Whether the app's runtime is ready, trying to finish its start first (at most every few seconds)."""
        if self._runtime().ready:
            return True
        if not self._lock.acquire(blocking=False):
            return False  # another thread is trying right now
        try:
            return self._runtime().ready or self._attempt()
        finally:
            self._lock.release()

    def _runtime(self) -> Runtime:
        return self._app.extensions["chargeline"]  # type: ignore[no-any-return]

    def _attempt(self) -> bool:
        now = time.monotonic()
        if now < self._next_try:
            return False
        self._next_try = now + self._every
        try:
            runtime = finish_start(self._runtime())
        except DatabaseNotReady as exc:
            self._note(logging.ERROR, f"the database answers but is not ready: {exc}")
            return False
        except (DatabaseUnavailable, SQLAlchemyError) as exc:
            # not an outage: another process migrating at the same moment, say, or a broken migration that
            # `chargeline db upgrade` shows in full; either way the next attempt tries again
            level = logging.DEBUG if is_database_outage(exc) else logging.ERROR
            self._note(level, describe_outage(exc))
            return False
        # the secret key signs console cookies: it is known only now when it is kept in the database
        self._app.config["SECRET_KEY"] = runtime.secret_key
        self._app.extensions["chargeline"] = runtime
        log.warning("the database answers again: start finished, serving normally")
        return True

    def _note(self, level: int, problem: str) -> None:
        if problem != self._last_problem:  # one line per new problem, not one every attempt
            self._last_problem = problem
            log.log(level, "database still unavailable: %s", problem)


def install(app: Flask) -> None:
    """Set `g.runtime` per request, holding back requests that need a database the start has not reached.

    The service `start_retry_s` (tests: 0) sets how often requests may try to finish the start.
    """
    retry = services(app).start_retry_s
    every = ATTEMPT_EVERY_S if retry is None else float(retry)
    gate = app.extensions["chargeline.start_gate"] = StartGate(app, every=every)
    on_outage(app, "text_channels", _text_channel_apology)

    @app.before_request
    def _open_session() -> None:
        ready = gate.ready()
        g.runtime = app.extensions["chargeline"]
        if not ready and request.endpoint is not None and not _works_without_database(request.endpoint):
            raise DatabaseUnavailable("the start is waiting for the database")


def _works_without_database(endpoint: str) -> bool:
    return endpoint in WITHOUT_DATABASE or endpoint == "static" or endpoint.endswith(".static")


def _text_channel_apology() -> ResponseReturnValue:
    """SMS and WhatsApp: the apology as TwiML; Telegram: the apology as the webhook's own sendMessage."""
    if request.endpoint == "text_channels.telegram_webhook":
        return _telegram_apology()
    if not signed_for_us():
        return forbidden()
    return Response(render_sms([Reply(text=TEXT_APOLOGY)]), mimetype="application/xml")


def _telegram_apology() -> ResponseReturnValue:
    """Telegram takes a Bot API call as the webhook's answer: the apology needs no outbound request."""
    settings = g.runtime.settings
    secret, presented = settings.telegram_webhook_secret, request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not secret or not settings.telegram_bot_token or not hmac.compare_digest(presented.encode(), secret.encode()):
        return jsonify(error="Forbidden", detail="bad or missing secret token"), 403
    chat_id = _telegram_chat_id(request.get_json(silent=True))
    if chat_id is None:
        return jsonify(ok=True)
    return jsonify(method="sendMessage", chat_id=chat_id, text=TEXT_APOLOGY)


def _telegram_chat_id(update: Any) -> int | None:
    if not isinstance(update, dict):
        return None
    callback = update.get("callback_query")
    message = update.get("message") or update.get("edited_message") or (
        callback.get("message") if isinstance(callback, dict) else None)
    chat = message.get("chat") if isinstance(message, dict) else None
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    return chat_id if isinstance(chat_id, int) and not isinstance(chat_id, bool) else None
