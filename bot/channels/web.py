"""Webhooks of the text channels: `POST /twilio/sms` (SMS and WhatsApp) and `POST /telegram/webhook`."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from sqlalchemy import select

from bot.apology import apology, safe_turn
from bot.channels.optout import help_text, is_opted_out, keyword, set_opted_out
from bot.channels.ratelimit import RateLimiter
from bot.channels.sms import render_sms, render_whatsapp, sms_text, whatsapp_bodies
from bot.channels.telegram import BotAPI, inbound_from_update, outbound_calls
from bot.channels.twilio_auth import twilio_signed
from bot.channels.twilio_rest import TwilioSender
from bot.logs import mask_phone
from bot.messages import Channel, InboundMessage, Reply, TurnResult
from bot.outbound import Outbound
from bot.services import services
from bot.web.engine import current_engine

log = logging.getLogger(__name__)
blueprint = Blueprint("text_channels", __name__)

MAX_BODY = 1600  # Twilio's own limit for one inbound message
MAX_MEDIA = 10
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'
CHECKING = "Checking the charger now; I'll text you the result in a minute."
SLOW_DOWN = "You are sending messages very fast. Please wait a minute, then tell us what is happening."


def _limiter() -> RateLimiter:
    limiter: RateLimiter = services(current_app).rate_limiter
    return limiter


def _delivered_before(channel: Channel, delivery_id: str) -> bool:
    """Whether this delivery id is stored already (only asked on the rate-limited path: one cheap query)."""
    from bot.conversation.engine import storable
    from bot.conversation.models import ConversationMessage

    clean = storable(InboundMessage(channel=channel, contact="", text="", delivery_id=delivery_id,
                                    received_at=datetime.now(UTC))).delivery_id
    with g.runtime.sessions() as session:
        return session.scalar(select(ConversationMessage.id).where(
            ConversationMessage.channel == channel, ConversationMessage.delivery_id == clean).limit(1)) is not None


def twiml(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="application/xml")


@blueprint.post("/twilio/sms")
@twilio_signed
def twilio_sms() -> Response:
    """Answer an SMS or WhatsApp message with TwiML."""
    arrived = time.monotonic()
    form = request.form
    sid, sender = form.get("MessageSid") or form.get("SmsSid"), form.get("From", "")
    if not sid or not sender:
        return twiml(EMPTY_TWIML, 400)
    whatsapp = sender.startswith("whatsapp:")
    channel: Channel = "whatsapp" if whatsapp else "sms"
    contact = sender.removeprefix("whatsapp:")
    body = form.get("Body", "")[:MAX_BODY]
    now = datetime.now(UTC)

    command = keyword(body)
    if command == "stop":
        set_opted_out(g.runtime.sessions, channel, contact, True, now)
        log.info("opt-out channel=%s contact=%s", channel, mask_phone(contact))
        return twiml(EMPTY_TWIML)  # Twilio confirms the opt-out itself
    if command == "start" and is_opted_out(g.runtime.sessions, channel, contact):
        set_opted_out(g.runtime.sessions, channel, contact, False, now)
        return twiml(EMPTY_TWIML)
    if command == "help":
        return twiml(render_sms([Reply(text=help_text(body))]))

    if not _limiter().allow(channel, contact):
        if _delivered_before(channel, sid):  # Twilio's retry of a message already answered: not a second answer
            return twiml(EMPTY_TWIML)
        log.warning("rate limited channel=%s contact=%s sid=%r", channel, mask_phone(contact), sid[:40])
        return twiml(render_sms([Reply(text=SLOW_DOWN)]))
    count = min(_int(form.get("NumMedia")), MAX_MEDIA)
    media = tuple(form[f"MediaUrl{i}"] for i in range(count) if form.get(f"MediaUrl{i}"))
    text = body.strip()
    # "Reply 1 for ..." answers arrive as a bare number: pass it as the option picked (a key press, not words)
    digits = text if text.isdigit() and len(text) <= 2 else None
    message = InboundMessage(channel=channel, contact=contact, text="" if digits else text, delivery_id=sid,
                             digits=digits, received_at=now, media_urls=media, location=_location(form))
    try:
        engine = current_engine()
    except Exception:  # never a 500 to Twilio: the driver gets an apology
        log.exception("no conversation engine channel=%s contact=%s", channel, mask_phone(contact))
        return twiml(render_sms([apology(channel)]))
    sender_api = _twilio_sender()
    deliver = _later(sender_api, to=sender, from_=form.get("To", ""), whatsapp=whatsapp) if sender_api else None
    result: TurnResult | None
    if deliver is None:  # no way to text later: answer in the webhook, however long the turn takes
        result = safe_turn(engine.handle, message)
    else:
        result = services(current_app).deferred.run(f"{channel}:{sid}", lambda: safe_turn(engine.handle, message),
                                                      then=deliver, from_number=form.get("To") or None,
                                                      spent=time.monotonic() - arrived)
    if result is None:
        return twiml(render_sms([Reply(text=CHECKING)]))
    return twiml(_render(result, whatsapp=whatsapp) or EMPTY_TWIML)


def _twilio_sender() -> TwilioSender | None:
    return services(current_app).twilio_sender or TwilioSender.from_settings(g.runtime.settings)


def _render(result: TurnResult, *, whatsapp: bool) -> str | None:
    """TwiML for a finished turn, or None when nothing is to be said."""
    if result.duplicate or result.agent_mode or not result.replies:
        return None
    public_url = g.runtime.settings.public_url
    if whatsapp:
        return render_whatsapp(result.replies, public_url=public_url)
    return render_sms(result.replies, more_link=_chat_link(public_url, result.charger_id), lang=result.language)


def _chat_link(public_url: str, charger_id: str | None) -> str:
    return f"{public_url}/chat" + (f"?charger={charger_id}" if charger_id else "")


def _later(api: TwilioSender, *, to: str, from_: str, whatsapp: bool) -> Callable[[TurnResult], bool] | None:
    """Deliver a turn that outlasted the webhook through the REST API, from the number the driver wrote to.

    `Outbound` checks the opt-out list when the reply is ready: the driver may have sent STOP meanwhile.
    The callable says whether everything went out; a False leaves the reply to the outbox's retries.
    """
    if not from_:
        return None
    public_url = g.runtime.settings.public_url
    channel, contact = ("whatsapp" if whatsapp else "sms"), to.removeprefix("whatsapp:")
    outbound = Outbound(twilio=api, sessions=g.runtime.sessions)

    def deliver(result: TurnResult) -> bool:
        if result.duplicate or result.agent_mode or not result.replies:
            return True
        if whatsapp:
            bodies = whatsapp_bodies(result.replies, public_url=public_url)
        else:
            bodies = [sms_text(result.replies, more_link=_chat_link(public_url, result.charger_id),
                               lang=result.language)]
        for n, body in enumerate(bodies):
            if not outbound.send(channel, contact, body, from_number=from_).ok:
                # logged by Outbound; the rest would arrive out of context. Nothing sent yet: the outbox retries
                # the whole answer; a part already sent must not be sent twice, so the rest is dropped
                return n > 0
        return True

    return deliver


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
    api = services(current_app).telegram or BotAPI(
        settings.telegram_bot_token, settings.telegram_api_url)
    if callback_id:
        api.send_all([("answerCallbackQuery", {"callback_query_id": callback_id})])
    if inbound is None:
        return jsonify(ok=True)
    if not _limiter().allow("telegram", inbound.contact):
        log.warning("rate limited channel=telegram chat=%s update=%s", inbound.contact, inbound.delivery_id)
        api.send_all(outbound_calls(inbound.contact, (Reply(text=SLOW_DOWN),), settings.public_url))
        return jsonify(ok=True)
    result = safe_turn(lambda message: current_engine().handle(message), inbound)
    replies = () if (result.duplicate or result.agent_mode) else result.replies
    api.send_all(outbound_calls(inbound.contact, replies, settings.public_url))
    return jsonify(ok=True)


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
