"""Resolve what a driver said or typed ("station twelve", "1042", "c p one oh four two") to a charger id."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.nlu.numbers import normalise

_FUZZY_MIN = 0.75  # below this similarity a guess is not worth offering
_FUZZY_MARGIN = 0.08  # the best guess must beat the runner-up by this much


@dataclass(frozen=True)
class ChargerMatch:
    """The charger meant (None when unknown or ambiguous) and the candidates to ask about."""

    charger_id: str | None
    confidence: float
    candidates: tuple[str, ...] = ()


def _compact(text: str) -> str:
    """Upper-case letters and digits only: "cp - 1042" and "CP1042" compare equal."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def _digits(text: str) -> str:
    return "".join(re.findall(r"\d", text))


class ChargerMatcher:
    """The fleet's chargers as (charger_id, label) pairs, for matching what drivers say."""

    def __init__(self, entries: Sequence[tuple[str, str]]) -> None:
        self.entries = [(cid, label or "") for cid, label in entries]
        self._by_compact: dict[str, set[str]] = {}
        self._by_digits: dict[str, set[str]] = {}
        for cid, label in self.entries:
            for form in (cid, label):
                if form:
                    self._by_compact.setdefault(_compact(form), set()).add(cid)
                    # "CP-1042" is reached by "1042", "Station 12" by "12"
                    if _digits(form):
                        self._by_digits.setdefault(_digits(form).lstrip("0") or "0", set()).add(cid)

    @classmethod
    def from_session(cls, session: Any) -> ChargerMatcher:
        """Read every charger of the fleet from the database."""
        from sqlalchemy import select

        from bot.fleet.models import Charger

        rows = session.execute(select(Charger.id, Charger.label).order_by(Charger.id)).all()
        return cls([(row.id, row.label) for row in rows])

    def resolve(self, text: str) -> ChargerMatch:
        """Match an id, a label, their digits, or the nearest spelling."""
        spoken = _GERMAN_STATION.sub("station", normalise(text or "").text)
        compact = _compact(spoken)
        if not compact:
            return ChargerMatch(None, 0.0)
        exact = self._by_compact.get(compact) or self._by_compact.get(_compact(_strip_filler(spoken)))
        if exact:
            return _pick(exact, 1.0)
        digits = _digits(spoken).lstrip("0")
        if digits and digits in self._by_digits:
            return _pick(self._by_digits[digits], 0.9)
        return self._fuzzy(compact)

    def _fuzzy(self, compact: str) -> ChargerMatch:
        scores: dict[str, float] = {}
        for form, ids in self._by_compact.items():
            ratio = difflib.SequenceMatcher(None, compact, form).ratio()
            for cid in ids:
                scores[cid] = max(scores.get(cid, 0.0), ratio)
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        good = [(cid, score) for cid, score in ranked if score >= _FUZZY_MIN]
        if not good:
            return ChargerMatch(None, 0.0)
        if len(good) == 1 or good[0][1] - good[1][1] >= _FUZZY_MARGIN:
            return ChargerMatch(good[0][0], round(good[0][1] * 0.8, 3), (good[0][0],))
        return ChargerMatch(None, round(good[0][1] * 0.5, 3), tuple(cid for cid, _ in good[:5]))


# "Säule 12", "Ladepunkt 12" name a charger the way "station 12" does
_GERMAN_STATION = re.compile(r"\b(?:lade)?(?:säule|saeule|saule|station|punkt|stele)\b", re.IGNORECASE)


def _strip_filler(text: str) -> str:
    """Drop words drivers put around an id: "the charger number", "it's", "#", "die Säule Nummer", "äh"."""
    return re.sub(r"\b(?:it'?s|it is|the|charger|number|no|id|is|uh|um|er|pressed|"
                  r"es ist|das ist|ist|die|der|das|säule|saeule|ladesäule|ladesaeule|nummer|nr|äh|ähm|aeh|also|"
                  r"hab|habe|gedrückt|gedrueckt|#)\b|#", " ", text, flags=re.IGNORECASE)


def _pick(ids: set[str], confidence: float) -> ChargerMatch:
    if len(ids) == 1:
        (only,) = ids
        return ChargerMatch(only, confidence, (only,))
    return ChargerMatch(None, round(confidence / 2, 3), tuple(sorted(ids)))
