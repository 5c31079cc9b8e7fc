"""What a driver sees or hears of one turn, through each channel's own renderer."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from bot.channels.sms import sms_text, whatsapp_bodies
from bot.channels.telegram import outbound_calls
from bot.chat.render import render_webchat
from bot.messages import Reply
from ivr.voice import VoiceSettings, in_language, render_voice

PUBLIC_URL = "https://support.example"
VOICE_ACTION = "/twilio/voice/turn"


@dataclass(frozen=True)
class Option:
    """Something the driver can pick: a keypad key (voice) or a button (chat)."""

    title: str
    payload: str


@dataclass(frozen=True)
class Shown:
    """One turn as the channel renders it."""

    texts: tuple[str, ...]  # messages, spoken passages or chat bubbles, in order
    options: tuple[Option, ...] = ()  # what `press: N` picks from (the n-th, or the key N on voice)
    handoff: bool = False

    @property
    def text(self) -> str:
        """Everything in one string, for matching."""
        return "\n".join(self.texts)


def render(channel: str, replies: Sequence[Reply], charger_id: str | None = None, language: str = "en") -> Shown:
    """Render the replies as the channel delivers them (in the conversation's `language`)."""
    handoff = any(r.handoff is not None for r in replies)
    if channel == "sms":
        link = f"{PUBLIC_URL}/chat" + (f"?charger={charger_id}" if charger_id else "")
        return Shown((sms_text(replies, more_link=link, lang=language),), _options(replies), handoff)
    if channel == "whatsapp":
        return Shown(tuple(whatsapp_bodies(replies, public_url=PUBLIC_URL)), _options(replies), handoff)
    if channel == "voice":
        return Shown(tuple(_spoken(render_voice(replies, action_url=VOICE_ACTION,
                                                        settings=in_language(VoiceSettings(), language)))),
                     tuple(Option(c.title, c.dtmf) for r in replies for c in r.choices if c.dtmf), handoff)
    if channel == "telegram":
        texts = tuple(str(payload.get("text") or payload.get("caption") or "")
                      for _, payload in outbound_calls("1", replies, PUBLIC_URL))
        return Shown(texts, _options(replies), handoff)
    bubbles = render_webchat(replies)
    return Shown(tuple(str(b.get("text") or "") for b in bubbles), _options(replies), handoff)


def _options(replies: Sequence[Reply]) -> tuple[Option, ...]:
    return tuple(Option(c.title, c.payload) for r in replies for c in r.choices)


def _spoken(twiml: str) -> list[str]:
    """The text of every <Say>, in document order, as Twilio would speak it."""
    root = ET.fromstring(twiml)
    return [(node.text or "").strip() for node in root.iter("Say")]
