"""Render the dialogue's replies as TwiML for a phone call (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from twilio.twiml.voice_response import VoiceResponse

from bot.i18n import DEFAULT, t
from bot.messages import Choice, Reply

GATHER_TIMEOUT_S = 6
HOLD_PAUSE_S = 2
_PARENS = re.compile(r"\s*\(([^)]*)\)")


@dataclass(frozen=True)
class VoiceSettings:
    """What the renderer needs to know about this deployment and this call."""

    language: str = "en-GB"  # Twilio's <Say>/<Gather> language
    agent_phone: str | None = None
    agent_queue: str = "support"
    hints: Sequence[str] = ()
    lang: str = DEFAULT  # the call's language in bot.i18n: the words read around the replies


def in_language(settings: VoiceSettings, lang: str) -> VoiceSettings:
    """The settings for a call in `lang`: its Twilio voice (English keeps CHARGELINE_VOICE_LANGUAGE) and hints."""
    if lang == settings.lang:
        return settings
    voice = settings.language if lang == DEFAULT else t("language.voice", lang)
    extra = tuple(h for h in t("voice.hints", lang).split("|") if h)
    return replace(settings, lang=lang, language=voice, hints=(*extra, *settings.hints))


def spoken(reply: Reply, *, with_keys: bool = True, lang: str = DEFAULT) -> str:
    """What to say for one reply: its text for the ear, then (when listening) what to key in and each choice once."""
    said = [reply.voice_text or reply.text]
    if with_keys and reply.key_in:
        said.append(t("voice.key_in", lang, what=reply.key_in))
    if with_keys and reply.choices:
        said.append(keypad_options(reply.choices, lang))
    return " ".join(s for s in said if s)


def keypad_options(choices: Sequence[Choice], lang: str = DEFAULT) -> str:
    """Read the choices that have a key: "Press 1 for yes, 2 for no." or "For <choice>, press <key>." each."""
    keyed = [c for c in choices if c.dtmf]
    by_payload = {c.payload: c for c in keyed}
    if len(keyed) == 2 and set(by_payload) == {"yes", "no"}:
        return t("voice.yes_no", lang, yes=by_payload["yes"].dtmf, no=by_payload["no"].dtmf)
    return " ".join(t("voice.option", lang, title=_title_for_the_ear(c), key=c.dtmf) for c in keyed)


def _title_for_the_ear(choice: Choice) -> str:
    # without a spoken title, "Connector 1 (CCS2)" is read as "Connector 1, CCS2"
    return choice.spoken or _PARENS.sub(r", \1", choice.title)


def render_voice(replies: Iterable[Reply], *, action_url: str, settings: VoiceSettings,
                 whisper_url: str | None = None, after_transfer_url: str | None = None) -> str:
    """TwiML for one turn: say the replies, then listen, transfer or hang up."""
    replies = list(replies)
    response = VoiceResponse()
    handoff = next((r.handoff for r in replies if r.handoff), None)
    ends = any(r.end_conversation for r in replies)
    if handoff is not None:  # no keys read: nothing listens for them after a transfer or a hang-up
        for reply in replies:
            response.say(spoken(reply, with_keys=False, lang=settings.lang), language=settings.language)
        _transfer(response, settings, whisper_url, after_transfer_url)
    elif ends:
        for reply in replies:
            response.say(spoken(reply, with_keys=False, lang=settings.lang), language=settings.language)
        response.hangup()
    else:
        gather = _gather(response, action_url, settings)
        for reply in replies:
            gather.say(spoken(reply, lang=settings.lang), language=settings.language)
    return str(response)


def _gather(response: VoiceResponse, action_url: str, settings: VoiceSettings):  # type: ignore[no-untyped-def]
    return response.gather(
        input="speech dtmf", action=action_url, method="POST", speech_timeout="auto",
        timeout=GATHER_TIMEOUT_S, barge_in=True, language=settings.language,
        hints=", ".join(settings.hints) or None, finish_on_key="#", action_on_empty_result=True,
    )


def _transfer(response: VoiceResponse, settings: VoiceSettings, whisper_url: str | None,
              after_transfer_url: str | None) -> None:
    if settings.agent_phone:
        dial = response.dial(action=after_transfer_url, method="POST", timeout=25, answer_on_bridge=True)
        dial.number(settings.agent_phone, url=whisper_url, method="POST")
    else:
        response.say(t("voice.hold_for_agent", settings.lang), language=settings.language)
        response.enqueue(settings.agent_queue, action=after_transfer_url, method="POST")


def render_listen_again(*, action_url: str, settings: VoiceSettings, prompt: str | None = None) -> str:
    """TwiML that keeps listening, saying `prompt` (a reprompt) or nothing (a duplicate turn)."""
    response = VoiceResponse()
    gather = _gather(response, action_url, settings)
    if prompt:
        gather.say(prompt, language=settings.language)
    return str(response)


def render_greeting(parts: Sequence[tuple[str, str]], *, action_url: str, settings: VoiceSettings) -> str:
    """TwiML that listens while saying each (text, Twilio language) part in its own voice (a language menu)."""
    response = VoiceResponse()
    gather = _gather(response, action_url, settings)
    for text, language in parts:
        gather.say(text, language=language)
    return str(response)


def render_say(text: str, *, settings: VoiceSettings, then: str = "hangup") -> str:
    """TwiML that says one thing, then hangs up, transfers to an agent (`then="agent"`) or connects (`"connect"`)."""
    response = VoiceResponse()
    if text:
        response.say(text, language=settings.language)
    if then == "agent":
        _transfer(response, settings, None, None)
    elif then == "hangup":
        response.hangup()
    return str(response)


def render_hold(text: str, *, redirect_url: str, settings: VoiceSettings, pause: int = HOLD_PAUSE_S) -> str:
    """TwiML that keeps the caller while a turn runs: say `text`, pause, then come back to `redirect_url`."""
    response = VoiceResponse()
    if text:
        response.say(text, language=settings.language)
    response.pause(length=pause)
    response.redirect(redirect_url, method="POST")
    return str(response)
