"""Rule-based entities: charger ids, numbers with units, lookups and synonyms."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.nlu.numbers import Normalised, normalise
from bot.nlu.types import Entity

# Canonical connector names for a European deployment; data synonyms extend these.
BUILTIN_SYNONYMS = {
    "ccs": "CCS2", "ccs2": "CCS2", "ccs 2": "CCS2", "combo": "CCS2", "combo 2": "CCS2", "ccs combo": "CCS2",
    "ccs1": "CCS1", "ccs 1": "CCS1", "combo 1": "CCS1",
    "chademo": "CHAdeMO", "cha de mo": "CHAdeMO", "chardemo": "CHAdeMO",
    "type 2": "Type 2", "type two": "Type 2", "type2": "Type 2", "mennekes": "Type 2",
    "type 1": "Type 1", "type one": "Type 1", "type1": "Type 1", "j1772": "Type 1", "j 1772": "Type 1",
    "nacs": "NACS", "tesla plug": "NACS", "tesla connector": "NACS", "tesla": "NACS",
}
BUILTIN_LOOKUPS = {
    "connector_type": sorted({*BUILTIN_SYNONYMS, "gb/t", "schuko"}),
    "emsp": ["Shell Recharge", "Plugsurfing", "Chargemap", "Octopus Electroverse", "Electroverse",
             "Ionity", "EnBW", "Bonnet", "Zapmap", "Elli", "ChargePoint", "Tesla app"],
    "payment_method": ["rfid card", "rfid", "charge card", "charging card", "credit card", "debit card",
                       "contactless", "apple pay", "google pay", "qr code", "the app", "app", "paypal"],
}
_CURRENCY = {"€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "$": "USD", "usd": "USD",
             "dollar": "USD", "dollars": "USD", "bucks": "USD", "£": "GBP", "gbp": "GBP", "pound": "GBP",
             "pounds": "GBP", "quid": "GBP"}
_CUR = r"(€|\$|£|euros?|eur|usd|dollars?|bucks|gbp|pounds?|quid)(?![a-z])"

_SIDES = {"link": "left", "recht": "right", "mittler": "middle"}  # "der linke Stecker" is "the left one"
# (entity, pattern on the normalised text, value builder)
_Builder = Callable[[re.Match[str]], "str | float | None"]
_PATTERNS: list[tuple[str, re.Pattern[str], _Builder]] = [
    ("charger_id", re.compile(r"\b([A-Z]{2})\s?\*\s?([A-Z0-9]{3})\s?\*\s?(E[A-Z0-9*]{1,30})", re.IGNORECASE),
     lambda m: f"{m.group(1)}*{m.group(2)}*{m.group(3)}".upper()),
    ("charger_id", re.compile(r"\b(c\s?p)\s*[-_ ]?\s*(\d{1,6})\b", re.IGNORECASE), lambda m: f"CP-{m.group(2)}"),
    ("charger_id", re.compile(r"\b(station|charger|pillar|post|unit|evse)\s*(?:number|no\.?|#)?\s*(\d{1,6})\b",
                              re.IGNORECASE), lambda m: f"{m.group(1).title()} {m.group(2)}"),
    ("charger_id", re.compile(r"\b([A-Z]{2,5}-\d{2,6}(?:-\d{1,3})?)\b"), lambda m: m.group(1).upper()),
    # German: "Säule 7", "Ladesäule Nummer zwölf", "Ladepunkt 3" read as "Station 7" like the English ones
    ("charger_id", re.compile(r"\b(?:lade)?(?:säule|saeule|saule|station|punkt|stele|gerät|geraet)\s*"
                              r"(?:nummer|nr\.?|#)?\s*(\d{1,6})\b", re.IGNORECASE), lambda m: f"Station {m.group(1)}"),
    ("connector_id", re.compile(r"\b(?:connector|plug|socket|outlet|port)\s*(?:number|no\.?|#)?\s*(\d{1,2})\b",
                                re.IGNORECASE), lambda m: m.group(1)),
    ("connector_id", re.compile(r"\b(left|right|middle)(?:\s+(?:one|1|plug|connector|cable|side))\b", re.IGNORECASE),
     lambda m: m.group(1).lower()),
    ("connector_id", re.compile(r"\b(?:stecker|anschlu(?:ss|ß)|buchse|steckdose|(?:lade)?kabel|ausgang)\s*"
                                r"(?:nummer|nr\.?|#)?\s*(\d{1,2})\b", re.IGNORECASE), lambda m: m.group(1)),
    ("connector_id", re.compile(r"\b(link|recht|mittler)(?:e|en|er|es)\s+(?:stecker|anschlu(?:ss|ß)|kabel|seite|"
                                r"buchse|dose)\b", re.IGNORECASE), lambda m: _SIDES[m.group(1).lower()]),
    ("power_kw", re.compile(r"(\d+(?:[.,]\d+)?)\s*(kw|kilowatts?|kilo\s?watts?|k\s?w)(?!h)\b", re.IGNORECASE),
     lambda m: float(m.group(1).replace(",", "."))),
    ("battery_level", re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s*(%|percent|per\s?cent|prozent)", re.IGNORECASE),
     lambda m: _percent(m.group(1))),
    ("amount", re.compile(rf"{_CUR}\s?(\d+(?:[.,]\d{{1,2}})?)", re.IGNORECASE), lambda m: _money(m.group(2), m.group(1))),
    ("amount", re.compile(rf"(\d+(?:[.,]\d{{1,2}})?)\s?{_CUR}(?:\s+(?:(?:and|und)\s+)?(\d{{1,2}})\b(?!\s*(?:%|kw|min|prozent)))?",
                          re.IGNORECASE), lambda m: _money(m.group(1), m.group(2), m.group(3))),
]


_NORMALISED = {"power_kw", "battery_level", "amount"}


def _percent(raw: str) -> float | None:
    value = float(raw.replace(",", "."))
    return value if 0 <= value <= 100 else None


def _money(number: str, currency: str, cents: str | None = None) -> str:
    value = float(number.replace(",", "."))
    if cents:
        value += int(cents) / 100
    return f"{value:.2f} {_CURRENCY[currency.lower()]}"


@dataclass
class RuleExtractor:
    """Regexes, lookup tables and synonyms, applied to the number-normalised text."""

    synonyms: dict[str, str] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.synonyms = {**BUILTIN_SYNONYMS, **{k.lower(): v for k, v in self.synonyms.items()}}
        self._lookup = []
        self._spelling: dict[str, str] = {}  # lower-cased lookup entry -> as written in the table
        for name in sorted({*BUILTIN_LOOKUPS, *self.lookups}):
            items = {*BUILTIN_LOOKUPS.get(name, []), *self.lookups.get(name, [])}
            self._spelling.update({i.strip().lower(): i.strip() for i in items if name != "payment_method"})
            words = sorted((re.escape(i.strip()) for i in items if i.strip()), key=len, reverse=True)
            if words:
                self._lookup.append((name, re.compile(r"(?<![\w])(" + "|".join(words) + r")(?![\w])", re.IGNORECASE)))
        # numbers with units are read by the built-in patterns, which also normalise the value
        self._regex = [(name, re.compile(p)) for name, ps in sorted(self.regexes.items()) for p in ps
                       if name not in _NORMALISED]

    def extract(self, text: str, norm: Normalised | None = None) -> list[Entity]:
        """Return non-overlapping entities found by rules, longest first."""
        norm = norm or normalise(text)
        found: list[Entity] = []
        for name, pattern, build in _PATTERNS:
            for m in pattern.finditer(norm.text):
                value = build(m)
                if value is not None:
                    found.append(self._entity(text, norm, name, value, m.start(), m.end(), "regex"))
        for name, pattern in self._regex:
            for m in pattern.finditer(norm.text):
                found.append(self._entity(text, norm, name, m.group(0), m.start(), m.end(), "regex"))
        for name, pattern in self._lookup:
            for m in pattern.finditer(text):
                found.append(Entity(name, self.canonical(m.group(0)), m.start(), m.end(), m.group(0),
                                    1.0, "lookup"))
        return select(found)

    def canonical(self, value: str) -> str:
        """Map a surface form to its canonical value through the synonyms."""
        key = value.lower().strip()
        return self.synonyms.get(key) or self._spelling.get(key, value)

    def _entity(self, text: str, norm: Normalised, name: str, value: str | float, start: int, end: int,
                extractor: str) -> Entity:
        raw_start, raw_end = norm.span(start, end)
        if isinstance(value, str):
            value = self.canonical(value)
        return Entity(name, value, raw_start, raw_end, text[raw_start:raw_end], 1.0, extractor)


def select(entities: Iterable[Entity]) -> list[Entity]:
    """Keep the longest of overlapping entities (earlier extractor wins a tie), in text order."""
    chosen: list[Entity] = []
    for entity in sorted(entities, key=lambda e: -(e.end - e.start)):
        if all(entity.end <= c.start or entity.start >= c.end for c in chosen):
            chosen.append(entity)
    return sorted(chosen, key=lambda e: e.start)
