"""Spoken numbers to digits, keeping a map back to the original character offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {"zero": 0, "oh": 0, "o": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
         "six": 6, "seven": 7, "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
         "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000}
# German, as typed (umlauts or ae/oe/ue/ss) and as speech recognition writes it; "zwo" is said on the phone.
# "ein"/"eine" are articles, so only "eins" is a number on its own.
DE_UNITS = {"null": 0, "eins": 1, "zwei": 2, "zwo": 2, "drei": 3, "vier": 4, "fünf": 5, "fuenf": 5, "funf": 5,
            "sechs": 6, "sieben": 7, "acht": 8, "neun": 9}
DE_TEENS = {"zehn": 10, "elf": 11, "zwölf": 12, "zwoelf": 12, "zwolf": 12, "dreizehn": 13, "vierzehn": 14,
            "fünfzehn": 15, "fuenfzehn": 15, "sechzehn": 16, "siebzehn": 17, "achtzehn": 18, "neunzehn": 19}
DE_TENS = {"zwanzig": 20, "dreißig": 30, "dreissig": 30, "vierzig": 40, "fünfzig": 50, "fuenfzig": 50,
           "sechzig": 60, "siebzig": 70, "achtzig": 80, "neunzig": 90}
_DE_COMPOUND = re.compile(r"^(?:(?P<th>[a-zäöüß]*?)tausend)?(?:(?P<h>[a-zäöüß]*?)hundert)?(?:und)?(?P<rest>[a-zäöüß]*)$")
_DE_SCALES = {"hundert": "hundred", "tausend": "thousand"}
_NUMBER_WORDS = {**UNITS, **TEENS, **TENS, **SCALES, **_DE_SCALES}
_TOKEN = re.compile(r"[^\W\d_]+|\d+|\S")


@dataclass(frozen=True)
class Normalised:
    """Text with spoken numbers as digits; `origin[i]` is the raw (start, end) of character i."""

    text: str
    origin: tuple[tuple[int, int], ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text back to the raw text."""
        if start >= len(self.origin):
            edge = self.origin[-1][1] if self.origin else 0
            return edge, edge
        return self.origin[start][0], self.origin[max(start, end - 1)][1]


def german_number(word: str) -> int | None:
    """Read one German number word, compounds included ("zweiundvierzig" 42, "einhundertzwölf" 112)."""
    word = word.lower()
    for table in (DE_UNITS, DE_TEENS, DE_TENS):
        if word in table:
            return table[word]
    match = _DE_COMPOUND.match(word)
    if not match or word in ("und", "hundert", "tausend") or not any(k in word for k in ("hundert", "tausend", "und")):
        return None
    total = 0
    for key, scale in (("th", 1000), ("h", 100)):
        part = match.group(key)
        if part is not None:
            value = 1 if part in ("", "ein") else _below_hundred(part)
            if value is None or value == 0:
                return None
            total += value * scale
    rest = _below_hundred(match.group("rest")) if match.group("rest") else 0
    return None if rest is None else total + rest


def _below_hundred(word: str) -> int | None:
    """Read 0-99 in German: "zwölf", "dreiundzwanzig", "einundzwanzig"."""
    for table in (DE_UNITS, DE_TEENS, DE_TENS):
        if word in table:
            return table[word]
    unit, sep, tens = word.partition("und")
    if sep and tens in DE_TENS and (unit in DE_UNITS or unit == "ein") and unit not in ("null",):
        return DE_TENS[tens] + (1 if unit == "ein" else DE_UNITS[unit])
    return None


def _word_value(word: str) -> tuple[int, str] | None:
    """Return (value, kind) of one number word in English or German; kind is unit, teen, tens or scale."""
    word = word.lower()
    if word in UNITS or word in DE_UNITS:
        return UNITS.get(word, DE_UNITS.get(word, 0)), "unit"
    if word in TEENS or word in DE_TEENS:
        return TEENS.get(word, DE_TEENS.get(word, 0)), "teen"
    if word in TENS or word in DE_TENS:
        return TENS.get(word, DE_TENS.get(word, 0)), "tens"
    value = german_number(word)
    # a German compound is a whole group: "zweiundvierzig" never joins the next word
    return (value, "teen") if value is not None else None


def words_to_digits(words: list[str]) -> str | None:
    """Turn a run of number words into a digit string ("one oh four two" -> "1042"), or None."""
    groups: list[int] = []
    big, small, last = 0, 0, ""
    pending = joined = False
    for word in words:
        word = _DE_SCALES.get(word.lower(), word.lower())
        if word in ("and", "und") and last in ("hundred", "thousand"):
            continue
        if word == "und" and last == "unit":  # "zwei und vierzig": the unit comes first in German
            joined = True
            continue
        if word in SCALES:
            if word == "hundred":
                small = (small or 1) * 100
            else:
                big += (small or 1) * 1000
                small = 0
            last, pending = word, True
            continue
        read = _word_value(word)
        if read is None:
            return None
        value, kind = read
        if joined and kind == "tens":
            small, kind, joined = small + value, "teen", False
            last = kind
            continue
        # "one hundred five", "forty two" join; "one oh four two", "ten forty" are digits said in a row
        joins = last in ("hundred", "thousand") or (last == "tens" and kind == "unit" and value != 0)
        if pending and joins:
            small += value
        else:
            if pending:
                groups.append(big + small)
            big, small = 0, value
        last, pending = kind, True
    if pending:
        groups.append(big + small)
    return "".join(str(g) for g in groups) if groups else None


def normalise(text: str) -> Normalised:
    """Replace each run of spoken number words with digits ("seven point four" -> "7.4")."""
    tokens = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    out: list[str] = []
    origin: list[tuple[int, int]] = []
    cursor, i = 0, 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and _is_number_word(tokens, j, i):
            j += 1
        # a lone "o"/"oh" is an interjection, not zero
        if j > i and not (j - i == 1 and tokens[i][0].lower() in ("o", "oh", "and")):
            run = [t[0] for t in tokens[i:j] if t[0].lower() != "and" or j - i > 1]
            while run and run[-1].lower() in ("and", "und"):
                run.pop()
                j -= 1
            digits = words_to_digits(run)
            if digits is not None:
                start, end = tokens[i][1], tokens[j - 1][2]
                _copy(text, cursor, start, out, origin)
                digits, end, j = _decimal(tokens, j, digits, end)
                out.append(digits)
                origin.extend([(start, end)] * len(digits))
                cursor, i = end, j
                continue
        i = max(j, i + 1)
    _copy(text, cursor, len(text), out, origin)
    return Normalised("".join(out), tuple(origin))


def _is_number_word(tokens: list[tuple[str, int, int]], j: int, start: int) -> bool:
    word = tokens[j][0].lower()
    if word == "and":
        return j > start and tokens[j - 1][0].lower() in SCALES
    if word == "und":
        before = tokens[j - 1][0].lower() if j > start else ""
        after = tokens[j + 1][0].lower() if j + 1 < len(tokens) else ""
        return before in _DE_SCALES or (before in DE_UNITS and after in DE_TENS)
    return word in _NUMBER_WORDS or _word_value(word) is not None


def _decimal(tokens: list[tuple[str, int, int]], j: int, digits: str, end: int) -> tuple[str, int, int]:
    """Absorb "point four five" after a number."""
    digit = {**UNITS, **DE_UNITS}
    if j + 1 < len(tokens) and tokens[j][0].lower() in ("point", "komma") and tokens[j + 1][0].lower() in digit:
        k = j + 1
        decimals = ""
        while k < len(tokens) and tokens[k][0].lower() in digit:
            decimals += str(digit[tokens[k][0].lower()])
            k += 1
        return f"{digits}.{decimals}", tokens[k - 1][2], k
    return digits, end, j


def _copy(text: str, start: int, end: int, out: list[str], origin: list[tuple[int, int]]) -> None:
    out.append(text[start:end])
    origin.extend((i, i + 1) for i in range(start, end))


def to_number(text: str) -> float | None:
    """Read a number written as digits or words ("85", "eighty five", "7.4"), or None."""
    norm = normalise(text.strip()).text.replace(",", ".")
    match = re.search(r"\d+(?:\.\d+)?", norm)
    return float(match.group(0)) if match else None
