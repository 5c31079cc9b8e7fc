"""The conversation's language: what the driver asks for, what they write in, the channel's guess, the number's country.

Strongest first: a request ("English please", "auf Deutsch bitte"); the language a message is confidently
detected in (a driver who switches is followed; "ja", "ok", "1" are too short to tell and keep it); for a new
conversation the channel's guess (the web chat's `lang` / Accept-Language, Telegram's language_code), else the
phone number's country (+49 -> de) where the deployment turns that on (CHARGELINE_LANGUAGE_BY_NUMBER: many
drivers with German numbers write English); else English. Each language's request phrases and calling codes live in
its catalogue (`language.requests`, `language.calling_codes`), so a new language needs no code here.
"""

from __future__ import annotations

import logging
import re

from bot.conversation.turn import Turn
from bot.i18n import catalogue, languages, normalise

log = logging.getLogger(__name__)

MAX_REQUEST_WORDS = 5  # a longer message that names a language ("ich spreche kein Deutsch") is not a request
_WORDS = re.compile(r"[^\W\d_]+")
_NEGATIONS = frozenset({"no", "not", "don't", "dont", "kein", "keine", "nicht"})  # "kein Deutsch" asks for none


def requested(text: str) -> tuple[str, bool] | None:
    """Return the language a short message asks for ("English please", "auf Deutsch") and whether that is all it
    says (True) or it also says something else ("auf Deutsch bitte, Säule kaputt"); None when it asks for none.
    """
    words = _WORDS.findall(text.lower())
    if not words or len(words) > MAX_REQUEST_WORDS or _NEGATIONS & set(words):
        return None
    said = f" {' '.join(words)} "
    for lang in languages():
        texts = catalogue(lang)
        for phrase in texts.get("language.requests", "").split("|"):
            phrase = phrase.strip().lower()
            if phrase and f" {phrase} " in said:
                filler = {w for other in languages() for w in catalogue(other).get("language.filler", "").split()}
                rest = [w for w in said.replace(f" {phrase} ", " ", 1).split() if w not in filler]
                return lang, not rest
    return None


def of_number(contact: str) -> str | None:
    """Return the language a phone number's country suggests (+49, +43, +41 -> de), else None."""
    number = contact.removeprefix("whatsapp:").strip()
    if not number.startswith("+"):
        return None  # a Telegram chat id or a web chat session: no country
    best: tuple[int, str] | None = None
    for lang in languages():
        for code in catalogue(lang).get("language.calling_codes", "").split():
            if number.startswith(code) and (best is None or len(code) > best[0]):
                best = (len(code), lang)
    return best[1] if best else None


def settle(turn: Turn) -> bool:
    """Set the language before the message is understood; True when the message only asked for one."""
    state, message = turn.state, turn.message
    if state.language is None:
        by_number = of_number(message.contact) if turn.deps.language_by_number else None
        state.language = normalise(message.language) or by_number
    if message.button:
        return False
    found = requested(turn.text)
    if found is None:
        return False
    wanted, only = found
    if wanted != state.language:
        log.info("driver asked for language=%s conversation=%s", wanted, turn.conversation_id)
    state.language = wanted
    turn.memo["language_requested"] = True
    return only


def follow(turn: Turn, detected: str | None) -> None:
    """Follow the language a message was confidently written in (None: too short or unsure, keep ours)."""
    lang = normalise(detected)
    if turn.memo.get("language_requested"):
        return  # "auf Deutsch bitte, Säule kaputt": the request beats the detector this turn
    if lang is not None and lang != turn.state.language:
        if turn.state.language is not None:
            log.info("driver switched language %s -> %s conversation=%s", turn.state.language, lang,
                     turn.conversation_id)
        turn.state.language = lang
