"""The channel-neutral message model: the only thing the dialogue sees and returns.

Adapters turn a Twilio form, a Telegram Update or a web chat POST into one
`InboundMessage`, and render the dialogue's `Reply` list back into TwiML, SMS
text, Bot API calls or web chat JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Channel = Literal["voice", "sms", "whatsapp", "telegram", "webchat"]
CHANNELS: tuple[Channel, ...] = ("voice", "sms", "whatsapp", "telegram", "webchat")
# channels where a long guide is given a step at a time (a listener cannot scroll back)
STEPWISE: frozenset[str] = frozenset({"voice"})
# channels whose contact can be reached after the conversation (a web chat session cannot: no number, no address)
REACHABLE_LATER: frozenset[str] = frozenset({"voice", "sms", "whatsapp", "telegram"})


@dataclass(frozen=True)
class InboundMessage:
    """One thing a driver said, typed, pressed or shared, on any channel."""

    channel: Channel
    contact: str  # phone number, Telegram chat id, or web chat session id
    text: str
    delivery_id: str  # idempotency key: MessageSid, update_id, CallSid+turn, web chat message id
    received_at: datetime
    charger_hint: str | None = None  # from a QR deep link (/chat?charger=ID) or a Telegram /start payload
    digits: str | None = None  # keypad entry on voice
    speech_confidence: float | None = None
    button: str | None = None  # the payload of a pressed button / chosen option
    location: tuple[float, float] | None = None  # (latitude, longitude) shared by the driver
    media_urls: tuple[str, ...] = ()  # photos the driver sent
    language: str | None = None  # the channel's guess (Telegram language_code, the web chat's lang / Accept-Language)


@dataclass(frozen=True)
class Choice:
    """An option offered to the driver: a button in chat, a spoken option on voice."""

    title: str  # what is shown (and spoken, unless `spoken` is given)
    payload: str  # what comes back in InboundMessage.button when chosen
    dtmf: str | None = None  # the key that picks it on voice
    spoken: str | None = None  # the title for the ear, read as "For <spoken>, press <dtmf>."; falls back to `title`


@dataclass(frozen=True)
class Reply:
    """One thing the bot says; renderers keep what their channel can show."""

    text: str
    voice_text: str | None = None  # written for the ear, without the choices (the renderer reads those); else `text`
    choices: tuple[Choice, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (title, url)
    image_url: str | None = None
    handoff: Handoff | None = None
    end_conversation: bool = False
    sms_text: str | None = None  # written for SMS (short, plain); falls back to `text`
    key_in: str | None = None  # voice: what the caller may key in instead of saying it ("the number")


@dataclass(frozen=True)
class Handoff:
    """The dialogue hands the driver to a human: the channel transfers or switches to agent mode."""

    ticket_id: str
    tier: str
    summary: str  # spoken to the agent (whisper) or shown in the console
    priority: str = "P3"


@dataclass(frozen=True)
class TurnResult:
    """What one turn of the dialogue produced."""

    conversation_id: str
    replies: tuple[Reply, ...] = field(default_factory=tuple)
    duplicate: bool = False  # the delivery was already processed; send nothing
    agent_mode: bool = False  # a human has the conversation; the text went to the agent
    charger_id: str | None = None  # the charger the conversation is about, once known
    language: str = "en"  # the conversation's language: renderers pick their voice and fixed texts by it
