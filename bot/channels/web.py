"""Webhooks of the text channels: `POST /twilio/sms` (SMS and WhatsApp) and `POST /telegram/webhook`."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import hmac

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from bot.channels.optout import HELP_TEXT, is_opted_out, keyword, set_opted_out
from bot.channels.ratelimit import ContactRateLimiter
from bot.channels.sms import render_sms, render_whatsapp
from bot.channels.telegram import BotAPI, inbound_from_update, outbound_calls
from bot.channels.twilio_auth import is_signed_by_twilio
from bot.logs import mask_phone
from bot.messages import InboundMessage, Reply
from bot.web.engine import current_engine

log = logging.getLogger(__name__)
blueprint = Blueprint("text_channels", __name__)

MAX_BODY = 1600  # Twilio's own limit for one inbound message
MAX_MEDIA = 10
APOLOGY = ("Sorry, something went wrong on our side. Your message is saved and a colleague will follow up. "
           "If it is urgent, call the number on the charger.")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'
SLOW_DOWN = "You are sending messages very fast. Please wait a minute, then tell us what is happening."


def _limiter() -> ContactRateLimiter:
    collaborators = current_app.extensions["chargeline.collaborators"]
    return collaborators.setdefault("rate_limiter", ContactRateLimiter())


def twiml(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="application/xml")


@blueprint.post("/twilio/sms")
def twilio_sms() -> Response:
    """Answer an SMS or WhatsApp message with TwiML."""
    settings = g.runtime.settings
    if not is_signed_by_twilio(request, settings.twilio_auth_token, settings.public_url):
        return Response("forbidden: bad or missing X-Twilio-Signature\n", status=403, mimetype="text/plain")
    form = request.form
    sid, sender = form.get("MessageSid") or form.get("SmsSid"), form.get("From", "")
    if not sid or not sender:
        return twiml(EMPTY_TWIML, 400)
    whatsapp = sender.startswith("whatsapp:")
    channel = "whatsapp" if whatsapp else "sms"
    contact = sender.removeprefix("whatsapp:")
    body = form.get("Body", "")[:MAX_BODY]
    now = datetime.now(timezone.utc)

    command = keyword(body)
    if command == "stop":
        set_opted_out(g.runtime.sessions, channel, contact, True, now)
        log.info("opt-out channel=%s contact=%s", channel, mask_phone(contact))
        return twiml(EMPTY_TWIML)  # Twilio confirms the opt-out itself
    if command == "start" and is_opted_out(g.runtime.sessions, channel, contact):
        set_opted_out(g.runtime.sessions, channel, contact, False, now)
        return twiml(EMPTY_TWIML)
    if command == "help":
        return twiml(render_sms([Reply(text=HELP_TEXT)]))

    if not _limiter().allow(channel, contact):
        log.warning("rate limited channel=%s contact=%s sid=%s", channel, mask_phone(contact), sid)
        return twiml(render_sms([Reply(text=SLOW_DOWN)]))
    count = min(_int(form.get("NumMedia")), MAX_MEDIA)
    media = tuple(form[f"MediaUrl{i}"] for i in range(count) if form.get(f"MediaUrl{i}"))
    text = body.strip()
    # "Reply 1 for ..." answers arrive as a bare number: pass it as the option picked
    digits = text if text.isdigit() and len(text) <= 2 else None
    message = InboundMessage(channel=channel, contact=contact, text=text, delivery_id=sid, digits=digits,
                             received_at=now, media_urls=media, location=_location(form))
    try:
        result = current_engine().handle(message)
    except Exception:  # never a 500 to Twilio: the driver gets an apology
        log.exception("sms turn failed channel=%s contact=%s", channel, mask_phone(contact))
        return twiml(render_sms([Reply(text=APOLOGY)]))
    if result.duplicate or result.agent_mode or not result.replies:
        return twiml(EMPTY_TWIML)
    if whatsapp:
        return twiml(render_whatsapp(result.replies, public_url=settings.public_url))
    link = f"{settings.public_url}/chat" + (f"?charger={result.charger_id}" if result.charger_id else "")
    return twiml(render_sms(result.replies, more_link=link))


def _int(raw: str | None) -> int:
    try:
        return max(0, int(raw or 0))
    except ValueError:
        return 0


def _location(form) -> tuple[float, float] | None:  # type: ignore[no-untyped-def]
    try:
        return float(form["Latitude"]), float(form["Longitude"])
    except (KeyError, ValueError):
        return None


@blueprint.post("/telegram/webhook")
def telegram_webhook():  # type: ignore[no-untyped-def]
    """Take one Telegram Update; answer through the Bot API."""
    settings = g.runtime.settings
    secret = settings.telegram_webhook_secret
    if not secret or not settings.telegram_bot_token:
        log.error("refusing a Telegram update: TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET must be set")
        return jsonify(error="Forbidden", detail="Telegram is not configured"), 403
    presented = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(presented.encode(), secret.encode()):
        return jsonify(error="Forbidden", detail="bad or missing secret token"), 403
    data = request.get_json(silent=True)
    try:
        inbound, callback_id = inbound_from_update(data) if isinstance(data, dict) else (None, None)
    except (KeyError, TypeError, ValueError, AttributeError):  # python-telegram-bot's parse errors
        return jsonify(error="Bad Request", detail="not a Telegram Update"), 400
    if not isinstance(data, dict):
        return jsonify(error="Bad Request", detail="not a Telegram Update"), 400
    api = current_app.extensions["chargeline.collaborators"].get("telegram") or BotAPI(
        settings.telegram_bot_token, settings.telegram_api_url)
    if callback_id:
        api.send_all([("answerCallbackQuery", {"callback_query_id": callback_id})])
    if inbound is None:
        return jsonify(ok=True)
    if not _limiter().allow("telegram", inbound.contact):
        log.warning("rate limited channel=telegram chat=%s update=%s", inbound.contact, inbound.delivery_id)
        api.send_all(outbound_calls(inbound.contact, (Reply(text=SLOW_DOWN),), settings.public_url))
        return jsonify(ok=True)
    try:
        result = current_engine().handle(inbound)
        replies = () if (result.duplicate or result.agent_mode) else result.replies
    except Exception:
        log.exception("telegram turn failed chat=%s", inbound.contact)
        replies = (Reply(text=APOLOGY),)
    api.send_all(outbound_calls(inbound.contact, replies, settings.public_url))
    return jsonify(ok=True)


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
