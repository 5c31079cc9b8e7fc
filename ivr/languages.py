"""Which languages a phone line offers, and the opening prompt that lets a caller pick one ("Für Deutsch drücken Sie 2").

CHARGELINE_VOICE_LANGUAGES names, per called number, its languages: the first greets, each other one is offered
in its own words with the keys 2, 3, ... (0 stays "a person"; 1 is left free so a pressed 1 is never misread).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import DEFAULT, languages, t

FIRST_KEY = 2


def offered(lines: Sequence[tuple[str, Sequence[str]]], called: str) -> tuple[str, ...]:
    """The languages the number `called` offers (its own line, else `*`, else English), those with a catalogue."""
    number = called.strip()
    chosen = next((langs for n, langs in lines if n == number), None)
    if chosen is None:
        chosen = next((langs for n, langs in lines if n == "*"), (DEFAULT,))
    known = tuple(dict.fromkeys(lang for lang in chosen if lang in languages()))
    return known or (DEFAULT,)


def greeting(langs: Sequence[str]) -> list[tuple[str, str]]:
    """(text, language) parts: the first language's greeting, then each other one offered in its own words."""
    offers = [(t("voice.offer", lang, key=FIRST_KEY + i), lang) for i, lang in enumerate(langs[1:])]
    return [(t("voice.greeting", langs[0]), langs[0]), *offers]


def picked(digits: str, langs: Sequence[str]) -> str | None:
    """The language a key pressed at the greeting picks (2: the second offered, ...), else None."""
    if not digits.isdigit():
        return None
    index = int(digits) - FIRST_KEY + 1
    return langs[index] if 1 <= index < len(langs) else None
