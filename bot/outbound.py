"""Send one text to a driver on the channel they wrote from, outside a webhook's answer.

A human agent's reply has no webhook to ride on: SMS and WhatsApp go through
Twilio's REST API, Telegram through the Bot API, the web chat fetches new
messages itself, and a phone call is transferred rather than answered in text.
Every failure comes back as `Delivery(ok=False, detail=...)`; nothing here
raises for a network error, because the caller has already stored the message.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.channels.optout import is_opted_out
from bot.channels.telegram import MAX_TEXT as TELEGRAM_MAX_TEXT
from bot.channels.telegram import BotAPI, TelegramUnavailable
from bot.channels.twilio_rest import OutboundFailed, TwilioSender
from bot.config import Settings
from bot.logs import mask_phone

log = logging.getLogger(__name__)

WEB_CHANNELS = ("webchat", "web")
TWILIO_CHANNELS = ("sms", "whatsapp")


@dataclass(frozen=True)
class Delivery:
    """Whether a text reached the driver's channel, and why not when it did not."""

    ok: bool
    detail: str


def mask_contact(channel: str, contact: str) -> str:
    """A contact fit for a log line: phone numbers and chat ids masked, web sessions cut to six characters."""
    if channel in WEB_CHANNELS:
        return contact[:6] + "…"
    return mask_phone(contact)


@dataclass(frozen=True)
class Outbound:
    """Deliver a text to (channel, contact); each I/O client is injected so tests can root it locally."""

    twilio: TwilioSender | None = None
    sms_from: str | None = None  # our SMS number (E.164)
    whatsapp_from: str | None = None  # our WhatsApp number (E.164; the whatsapp: prefix is added when missing)
    telegram: BotAPI | None = None
    sessions: sessionmaker[Session] | None = None  # for the SMS/WhatsApp opt-out list

    def with_sessions(self, sessions: sessionmaker[Session]) -> Outbound:
        """This outbound, checking opt-outs in `sessions` when it had no database of its own."""
        return self if self.sessions is not None else dataclasses.replace(self, sessions=sessions)

    def send(self, channel: str, contact: str, text: str, *, from_number: str | None = None) -> Delivery:
        """Send `text` to the driver; never raises for a channel or network failure.

        `from_number` replaces the configured SMS/WhatsApp sending number (a reply from the number the driver
        wrote to).
        """
        if channel in WEB_CHANNELS:
            return Delivery(True, "stored; the web chat fetches it")
        if channel == "voice":
            return Delivery(False, "a phone call is transferred to an agent, not replied to in text")
        if channel in TWILIO_CHANNELS:
            delivery = self._send_twilio(channel, contact, text, from_number)
        elif channel == "telegram":
            delivery = self._send_telegram(contact, text)
        else:
            delivery = Delivery(False, f"no outbound route for channel {channel!r}")
        level = logging.INFO if delivery.ok else logging.WARNING
        log.log(level, "outbound channel=%s to=%s ok=%s detail=%s", channel, mask_contact(channel, contact),
                delivery.ok, delivery.detail)
        return delivery

    def _send_twilio(self, channel: str, contact: str, text: str, from_number: str | None) -> Delivery:
        if self.sessions is not None:
            try:
                opted_out = is_opted_out(self.sessions, channel, contact)
            except Exception as exc:  # without the opt-out list we cannot know: do not text
                return Delivery(False, f"the opt-out list is unavailable ({type(exc).__name__}); not texted")
            if opted_out:
                return Delivery(False, "the driver opted out (STOP); not texted")
        if self.twilio is None:
            return Delivery(False, "Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)")
        sender = from_number or (self.sms_from if channel == "sms" else self.whatsapp_from)
        if not sender:
            return Delivery(False, f"no {channel} sending number is configured")
        prefix = "whatsapp:" if channel == "whatsapp" else ""
        try:
            sid = self.twilio.send(prefix + contact.removeprefix(prefix), text,
                                   from_=prefix + sender.removeprefix(prefix))
        except OutboundFailed as exc:
            return Delivery(False, str(exc))
        return Delivery(True, f"sent sid={sid}")

    def _send_telegram(self, chat_id: str, text: str) -> Delivery:
        if self.telegram is None:
            return Delivery(False, "Telegram is not configured (TELEGRAM_BOT_TOKEN)")
        try:
            result = self.telegram.call("sendMessage", {"chat_id": chat_id, "text": text[:TELEGRAM_MAX_TEXT]})
        except TelegramUnavailable as exc:
            return Delivery(False, str(exc))
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return Delivery(True, f"sent message_id={message_id}")


def build_outbound(settings: Settings, sessions: sessionmaker[Session] | None = None) -> Outbound:
    """Build from settings: Twilio from TWILIO_* (rooted at TWILIO_API_URL), Telegram from TELEGRAM_*."""
    telegram = BotAPI(settings.telegram_bot_token, settings.telegram_api_url) if settings.telegram_bot_token else None
    # the sending numbers are not Settings fields yet; read them when a later Settings has them
    return Outbound(
        twilio=TwilioSender.from_settings(settings),
        sms_from=getattr(settings, "twilio_sms_from", None),
        whatsapp_from=getattr(settings, "twilio_whatsapp_from", None),
        telegram=telegram, sessions=sessions)
