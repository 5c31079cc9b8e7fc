"""Telegram: Updates in (parsed by python-telegram-bot), Bot API calls out. Only translation."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import requests
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.errors import ChargeLineError
from bot.messages import InboundMessage, Reply

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # Telegram's own limit for a message
CALLBACK_DATA_MAX = 64  # bytes, Telegram's limit for callback_data


class TelegramUnavailable(ChargeLineError):
    """The Bot API did not accept a call."""


def inbound_from_update(data: dict[str, Any]) -> tuple[InboundMessage | None, str | None]:
    """Translate one Update into an InboundMessage (or None if there is nothing for the bot) and a callback id."""
    update = Update.de_json(data, None)
    chat = update.effective_chat
    if update.update_id is None or chat is None:
        return None, None
    query = update.callback_query
    message = update.effective_message
    text, button, hint, location = "", None, None, None
    media: tuple[str, ...] = ()
    if query is not None:
        button = query.data or ""
        text = _title_of(query, button)
    elif message is not None:
        text = (message.text or message.caption or "")[:MAX_TEXT]
        if text.startswith("/start"):
            payload = text.removeprefix("/start").strip()
            hint, text = (payload or None), ""
        if message.location is not None:
            location = (message.location.latitude, message.location.longitude)
        if message.photo:
            media = (f"telegram-file:{message.photo[-1].file_id}",)
        if not (text or hint or location or media):
            return None, None
    else:
        return None, None
    inbound = InboundMessage(
        channel="telegram", contact=str(chat.id), text=text, delivery_id=str(update.update_id),
        received_at=datetime.now(UTC), button=button, charger_hint=hint, location=location,
        media_urls=media, language=_language_of(update),
    )
    return inbound, (query.id if query is not None else None)


def _language_of(update: Update) -> str | None:
    """The language the driver's Telegram app is set to ("de", "en-GB"), as a guess for a new conversation."""
    user = update.effective_user
    return user.language_code if user is not None and user.language_code else None


def _title_of(query: Any, payload: str) -> str:
    """The title of the pressed button, so the transcript reads as the driver saw it."""
    markup = getattr(query.message, "reply_markup", None) if query.message else None
    for row in getattr(markup, "inline_keyboard", ()) or ():
        for button in row:
            if button.callback_data == payload:
                return str(button.text)
    return payload


def outbound_calls(chat_id: str, replies: Iterable[Reply], public_url: str) -> list[tuple[str, dict[str, Any]]]:
    """The Bot API calls that deliver the replies: text with inline buttons and links."""
    calls: list[tuple[str, dict[str, Any]]] = []
    for reply in replies:
        text = reply.text
        for title, url in reply.links:
            text += f"\n{title}: {_absolute(url, public_url)}"
        if reply.image_url:
            text += f"\n{_absolute(reply.image_url, public_url)}"
        payload: dict[str, Any] = {"chat_id": chat_id, "text": text[:MAX_TEXT]}
        buttons = [InlineKeyboardButton(c.title[:64], callback_data=c.payload.encode()[:CALLBACK_DATA_MAX].decode(
            errors="ignore")) for c in reply.choices]
        if buttons:
            payload["reply_markup"] = InlineKeyboardMarkup([[b] for b in buttons]).to_dict()
        calls.append(("sendMessage", payload))
    return calls


def _absolute(url: str, public_url: str) -> str:
    return url if url.startswith(("http://", "https://")) else public_url.rstrip("/") + "/" + url.lstrip("/")


class BotAPI:
    """A small synchronous Bot API client: `{root}/bot{token}/{method}` with a JSON body."""

    def __init__(self, token: str, api_url: str = "https://api.telegram.org", *, timeout: float = 10.0,
                 session: requests.Session | None = None) -> None:
        self._base = f"{api_url.rstrip('/')}/bot{token}"
        self._timeout = timeout
        self._http = session or requests.Session()

    def call(self, method: str, payload: dict[str, Any]) -> Any:
        """Call one Bot API method; raise TelegramUnavailable unless it answers ok."""
        try:
            response = self._http.post(f"{self._base}/{method}", json=payload, timeout=self._timeout)
            body = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise TelegramUnavailable(f"Bot API {method} failed: {type(exc).__name__}") from exc
        if not body.get("ok"):
            raise TelegramUnavailable(f"Bot API {method} refused: {body.get('description', response.status_code)}")
        return body.get("result")

    def send_all(self, calls: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """Make each call in order; return how many succeeded (a failure is logged, the rest still go)."""
        sent = 0
        for method, payload in calls:
            try:
                self.call(method, payload)
                sent += 1
            except TelegramUnavailable:
                log.exception("telegram reply not delivered chat=%s", payload.get("chat_id"))
        return sent
