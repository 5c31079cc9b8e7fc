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
_NUMBER_WORDS = {**UNITS, **TEENS, **TENS, **SCALES}
_TOKEN = re.compile(r"[A-Za-z]+|\d+|\S")


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


def words_to_digits(words: list[str]) -> str | None:
    """Turn a run of number words into a digit string ("one oh four two" -> "1042"), or None."""
    groups: list[int] = []
    big, small, last = 0, 0, ""
    pending = False
    for word in words:
        word = word.lower()
        if word == "and" and last in ("hundred", "thousand"):
            continue
        if word in SCALES:
            if word == "hundred":
                small = (small or 1) * 100
            else:
                big += (small or 1) * 1000
                small = 0
            last, pending = word, True
            continue
        value = _NUMBER_WORDS.get(word)
        if value is None:
            return None
        kind = "unit" if word in UNITS else "teen" if word in TEENS else "tens"
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
            while run and run[-1].lower() == "and":
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
    return word in _NUMBER_WORDS


def _decimal(tokens: list[tuple[str, int, int]], j: int, digits: str, end: int) -> tuple[str, int, int]:
    """Absorb "point four five" after a number."""
    if j + 1 < len(tokens) and tokens[j][0].lower() == "point" and tokens[j + 1][0].lower() in UNITS:
        k = j + 1
        decimals = ""
        while k < len(tokens) and tokens[k][0].lower() in UNITS:
            decimals += str(UNITS[tokens[k][0].lower()])
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
