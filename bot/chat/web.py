"""`GET /chat` (the page), `POST /api/chat` (one driver turn as JSON) and `GET /api/chat/messages`.

The page polls `/api/chat/messages` for what arrives outside a turn: a support
agent's words and the notices of an agent joining or handing back. Bot replies
to the driver's own messages come back in the `POST /api/chat` answer instead.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, g, jsonify, render_template, request
from sqlalchemy import select

from bot.apology import safe_turn
from bot.chat.limits import too_many, wait_before_turn
from bot.chat.render import render_webchat
from bot.conversation.models import Conversation, ConversationMessage
from bot.i18n import DEFAULT, catalogue, languages, normalise, t
from bot.messages import InboundMessage
from bot.web.engine import current_engine
from bot.web.jsonbody import body_limit

log = logging.getLogger(__name__)
blueprint = Blueprint("chat", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/chat/static")

MAX_TEXT = 2000
MAX_BODY = 64 * 1024  # MAX_TEXT characters as \uXXXX escapes (12 bytes each for an emoji), with room to spare
POLL_PAGE = 100  # rows looked at per poll; the client comes back for the rest
_SESSION = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_AFTER = re.compile(r"^[0-9]{1,18}$")
_CHARGER = re.compile(r"^[A-Za-z0-9*._:\- ]{1,64}$")


@blueprint.get("/chat")
def chat_page():  # type: ignore[no-untyped-def]
    """Serve the web chat page; `?charger=ID` starts it about that charger, `?lang=de` in that language."""
    charger = request.args.get("charger", "")
    if not _CHARGER.match(charger):
        charger = ""
    lang = page_language() or DEFAULT
    texts = {key.removeprefix("webchat.js."): t(key, lang) for key in catalogue(DEFAULT) if key.startswith("webchat.js.")}
    return render_template("chat.html", charger=charger, label=_label(charger) if charger else "", lang=lang,
                           t=lambda key: t(key, lang), script_texts=texts)


def page_language(asked: object = None) -> str | None:
    """The language the page or message asks for: `lang` (the QR link's, or the body's), else Accept-Language."""
    asked = asked if asked is not None else request.args.get("lang")
    chosen = normalise(asked) if isinstance(asked, str) else None
    return chosen or normalise(request.accept_languages.best_match(languages()))


def _label(charger: str) -> str:
    """What the driver reads on the charger ("Station 8"), for the OCPP id or label in the QR code."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.knowledge.context import GuideContext

    try:
        with g.runtime.sessions() as db:
            found = GuideContext.from_fleet(db, charger)
    except SQLAlchemyError:  # the page still opens; the bot finds the charger when the database is back
        log.warning("no charger label for the chat page charger=%s: the database does not answer", charger)
        return charger
    return (found.charger_label if found is not None else None) or charger


def _bad(detail: str, status: int = 400):  # type: ignore[no-untyped-def]
    return jsonify(error="Bad Request" if status == 400 else "Payload Too Large", detail=detail), status


@blueprint.post("/api/chat")
@body_limit(MAX_BODY)
def chat_turn():  # type: ignore[no-untyped-def]
    """Take one driver message and answer with the bot's replies."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _bad("send a JSON object with text (and session after the first turn)")
    text, button = body.get("text", ""), body.get("button")
    session_id, charger_id = body.get("session"), body.get("charger_id")
    message_id = body.get("message_id")
    if not isinstance(text, str) or (button is not None and not isinstance(button, str)):
        return _bad("text and button must be strings")
    if len(text) > MAX_TEXT:
        return _bad(f"text is longer than {MAX_TEXT} characters", 413)
    if not text.strip() and not button:
        return _bad("text is empty")
    if session_id is not None and (not isinstance(session_id, str) or not _SESSION.match(session_id)):
        return _bad("session is not a session id this server gave out")
    if charger_id is not None and (not isinstance(charger_id, str) or not _CHARGER.match(charger_id)):
        return _bad("charger_id is not a charger id")
    if message_id is not None and (not isinstance(message_id, str) or not 1 <= len(message_id) <= 64):
        return _bad("message_id must be a string of up to 64 characters")
    wait = wait_before_turn(session_id)
    if wait:
        return too_many(wait)
    session_id = session_id or secrets.token_urlsafe(18)
    message = InboundMessage(
        channel="webchat", contact=session_id, text=text.strip(),
        delivery_id=message_id or uuid.uuid4().hex, received_at=datetime.now(UTC),
        charger_hint=charger_id, button=button, language=page_language(body.get("lang")),
    )
    result = safe_turn(lambda turn: current_engine().handle(turn), message)
    payload: dict[str, Any] = {"session": session_id, "replies": render_webchat(result.replies)}
    if result.duplicate:
        payload["duplicate"] = True
    if result.agent_mode:
        payload["agent_mode"] = True
    return jsonify(payload)


@blueprint.get("/api/chat/messages")
def chat_messages():  # type: ignore[no-untyped-def]
    """Messages for this chat session after id `after` that no turn answered with: agents' words, notices."""
    session_id, raw_after = request.args.get("session", ""), request.args.get("after", "0")
    if not _SESSION.match(session_id):
        return _bad("session is not a session id this server gave out")
    if not _AFTER.match(raw_after):
        return _bad("after must be a message id (a whole number of at least 0)")
    with g.runtime.sessions() as db:
        latest = db.scalar(select(Conversation).where(
            Conversation.channel == "webchat", Conversation.contact == session_id)
            .order_by(Conversation.last_activity_at.desc()).limit(1))
        if latest is None:
            return jsonify(error="Not Found", detail="no chat with this session"), 404
        rows = db.execute(select(ConversationMessage).join(Conversation).where(
            Conversation.channel == "webchat", Conversation.contact == session_id,
            ConversationMessage.id > int(raw_after), ConversationMessage.direction.in_(("agent", "out")))
            .order_by(ConversationMessage.id).limit(POLL_PAGE)).scalars().all()
        agent = latest.agent if latest.mode == "agent" else None
        found = [r for r in rows if _is_out_of_band(r)]
        # the cursor stays at the last message returned, not the last bot reply scanned: an agent's
        # message can commit after a bot reply with a higher id, and must not be skipped
        last = rows[-1].id if len(rows) == POLL_PAGE else (found[-1].id if found else int(raw_after))
        return jsonify(messages=[_out_of_band(r) for r in found], last=last,
                       agent_mode=latest.mode == "agent" and latest.status == "open",
                       agent=agent if isinstance(agent, str) else None)


def _is_out_of_band(row: ConversationMessage) -> bool:
    return row.direction == "agent" or bool((row.payload or {}).get("event"))


def _out_of_band(row: ConversationMessage) -> dict[str, Any]:
    payload = row.payload or {}
    item: dict[str, Any] = {"id": row.id, "from": "agent" if row.direction == "agent" else "bot", "text": row.text}
    if payload.get("agent"):
        item["agent"] = payload["agent"]
    if payload.get("event"):
        item["event"] = payload["event"]
    return item


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
