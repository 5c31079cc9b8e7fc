"""Fill a guide's `{placeholders}` from a charger's context, per channel style.

Every placeholder yields a whole sentence (or nothing), so a guide reads well
whether the charger is known or not, and no `{name}` ever reaches a driver.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.knowledge.context import GuideContext
from bot.knowledge.model import Style

PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")
DC_TYPES = frozenset({"CCS2", "CCS1", "CHAdeMO", "NACS", "GB/T"})

_METHODS: dict[str, tuple[str, str, str]] = {  # chat, sms, voice
    "rfid": ("RFID cards", "RFID card", "R F I D cards"),
    "app": ("the app", "app", "the app"),
    "qr": ("QR code payment", "QR code", "Q R code payment"),
    "contactless": ("contactless bank cards", "contactless", "contactless bank cards"),
    "credit_card": ("bank cards", "bank card", "bank cards"),
    "plug_and_charge": ("Plug and Charge", "Plug and Charge", "Plug and Charge"),
}
_SPOKEN_PLUGS = {"CCS2": "C C S two", "CCS1": "C C S one", "CHAdeMO": "Chademo", "Type 2": "Type two",
                 "Type 1": "Type one", "NACS": "N A C S", "GB/T": "G B T"}
_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_VOICE_UNSAFE = re.compile(r"[*#/\\<>&_{}\[\]|~^@]")


def spoken_number(value: float) -> str:
    """Say a number up to 999 (one decimal) in words; bigger numbers stay digits."""
    whole = int(value)
    tenth = round((value - whole) * 10)
    if whole > 999 or whole < 0:
        return str(whole)
    if whole < 20:
        words = _ONES[whole]
    elif whole < 100:
        words = _TENS[whole // 10] + ("" if whole % 10 == 0 else " " + _ONES[whole % 10])
    else:
        rest = whole % 100
        words = _ONES[whole // 100] + " hundred" + ("" if rest == 0 else " and " + spoken_number(rest))
    return words + (f" point {_ONES[tenth]}" if tenth else "")


def _kw(value: float, style: Style) -> str:
    if style == "voice":
        return f"{spoken_number(value)} kilowatts"
    number = f"{value:g}"
    return f"{number}kW" if style == "sms" else f"{number} kW"


def _plug(name: str, style: Style) -> str:
    return _SPOKEN_PLUGS.get(name, name) if style == "voice" else name


def _label(ctx: GuideContext | None, style: Style, capital: bool) -> str:
    if ctx is None or not ctx.charger_label:
        return "The charger" if capital else "the charger"
    return _VOICE_UNSAFE.sub(" ", ctx.charger_label).strip() if style == "voice" else ctx.charger_label


def join(items: Sequence[str], word: str = "and") -> str:
    """Join as English: 'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def _connector_phrases(ctx: GuideContext, style: Style) -> list[str]:
    groups: dict[tuple[str, float], int] = {}
    for _, kind, max_kw in ctx.connectors:
        groups[(kind, max_kw)] = groups.get((kind, max_kw), 0) + 1
    phrases = []
    for (kind, max_kw), count in groups.items():
        if style == "sms":
            phrases.append(f"{f'{count}x ' if count > 1 else ''}{kind} up to {_kw(max_kw, style)}")
        elif style == "voice":
            lead = f"{spoken_number(count)} {_plug(kind, style)} plugs" if count > 1 else f"a {_plug(kind, style)} plug"
            phrases.append(f"{lead}, up to {_kw(max_kw, style)}")
        else:
            lead = f"{count} {kind} plugs" if count > 1 else f"a {kind} plug"
            phrases.append(f"{lead} (up to {_kw(max_kw, style)}{' each' if count > 1 else ''})")
    return phrases


def _connector_summary(ctx: GuideContext | None, style: Style, plug: str | None) -> str:
    if ctx is None or not ctx.connectors:
        return ""
    phrases = _connector_phrases(ctx, style)
    if style == "sms":
        return f"{_label(ctx, style, True)}: {', '.join(phrases)}."
    if style == "voice" and len(phrases) > 1:
        # each phrase already holds a comma, so the ear needs one before the last "and" too
        return f"{_label(ctx, style, True)} has {', '.join(phrases[:-1])}, and {phrases[-1]}."
    return f"{_label(ctx, style, True)} has {join(phrases)}."


def _methods(ctx: GuideContext, style: Style) -> list[str]:
    index = {"chat": 0, "sms": 1, "voice": 2}[style]
    names = []
    for method in ctx.payment_methods:
        key = method.strip().lower().replace(" ", "_").replace("-", "_")
        names.append(_METHODS[key][index] if key in _METHODS else method.replace("_", " "))
    return names


def _has_contactless(ctx: GuideContext) -> bool:
    return any(m.strip().lower() in ("contactless", "credit_card") for m in ctx.payment_methods)


def _payment_summary(ctx: GuideContext | None, style: Style, plug: str | None) -> str:
    if ctx is None or not ctx.payment_methods:
        return ""
    methods = _methods(ctx, style)
    if style == "sms":
        return f"Pay here by: {', '.join(methods)}.{'' if _has_contactless(ctx) else ' No contactless.'}"
    tail = "" if _has_contactless(ctx) else (", but not contactless bank cards" if style == "voice"
                                              else ", not contactless bank cards")
    return f"This site takes {join(methods)}{tail}."


def _emsp_summary(ctx: GuideContext | None, style: Style, plug: str | None) -> str:
    if ctx is not None and ctx.emsps:
        emsps = [_VOICE_UNSAFE.sub(" ", e) for e in ctx.emsps] if style == "voice" else list(ctx.emsps)
        if style == "voice":
            return f"Apps and cards that work here include {join(emsps)}."
        return f"Apps that work here: {', '.join(emsps)}."
    if style == "sms":
        return "Many roaming apps work here; try the one you use elsewhere."
    return "Many roaming apps and cards work here, so try the one you already use at other chargers."


def _contactless_note(ctx: GuideContext | None, style: Style, plug: str | None) -> str:
    if ctx is None or not ctx.payment_methods:
        if style == "sms":
            return "If the reader shows the contactless symbol, tap a bank card there."
        return "If the charger's card reader shows the contactless symbol, you can tap a bank card or phone there."
    if _has_contactless(ctx):
        if style == "sms":
            return f"{_label(ctx, style, True)} takes contactless: tap your bank card on the reader."
        return f"{_label(ctx, style, True)} takes contactless: tap a bank card or phone on the card reader."
    others = [m for m in _methods(ctx, style)]
    if style == "sms":
        return f"No contactless here yet; use: {', '.join(others)}."
    return f"This site does not take contactless bank cards yet, so use {join(others, 'or')}."


def _plug_here(ctx: GuideContext | None, style: Style, plug: str | None) -> str:
    if ctx is None or not ctx.connectors or not plug:
        return ""
    label = _label(ctx, style, True)
    matching = [(cid, kw) for cid, kind, kw in ctx.connectors if kind == plug]
    if matching:
        cid, kw = matching[0]
        number = spoken_number(cid) if style == "voice" else str(cid)
        if style == "sms":
            return f"{label}: {plug} is connector {cid}, up to {_kw(kw, style)}."
        if style == "voice":
            return f"At {label}, connector {number} is the {_plug(plug, style)} plug, up to {_kw(kw, style)}."
        return f"At {label}, connector {cid} is the {plug} plug (up to {_kw(kw, style)})."
    others = join(_connector_phrases(ctx, style))
    if style == "sms":
        return f"{label} has no {plug} plug ({', '.join(_connector_phrases(ctx, style))})."
    return f"{label} has no {_plug(plug, style)} plug; it has {others}."


def _power_summary(ctx: GuideContext | None, style: Style, plug: str | None) -> str:
    if ctx is None or not ctx.connectors:
        return ""
    label = _label(ctx, style, True)
    _, kind, kw = max(ctx.connectors, key=lambda c: c[2])
    if not any(k in DC_TYPES for _, k, _ in ctx.connectors):
        if style == "sms":
            return f"{label} is AC: up to {_kw(kw, style)}, less if your car's onboard charger is smaller."
        return f"{label} is an AC charger: up to {_kw(kw, style)}, and less if your car's onboard charger is smaller."
    if style == "sms":
        return f"{label} gives up to {_kw(kw, style)} ({kind}); the car decides how much it takes."
    return f"The fastest plug at {label} gives up to {_kw(kw, style)}; your car decides how much it takes."


FILLERS: dict[str, Callable[[GuideContext | None, Style, str | None], str]] = {
    "charger": lambda ctx, style, plug: _label(ctx, style, False),
    "Charger": lambda ctx, style, plug: _label(ctx, style, True),
    "connector_summary": _connector_summary,
    "payment_summary": _payment_summary,
    "emsp_summary": _emsp_summary,
    "contactless_note": _contactless_note,
    "plug_here": _plug_here,
    "power_summary": _power_summary,
}
KNOWN_PLACEHOLDERS = frozenset(FILLERS)


def fill(template: str, style: Style, ctx: GuideContext | None, plug: str | None = None) -> str:
    """Replace every placeholder and tidy the spaces and lines an empty one leaves behind."""
    text = PLACEHOLDER.sub(lambda m: FILLERS[m.group(1)](ctx, style, plug), template)
    lines = [re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line in ("", "-") and (not out or out[-1] == ""):
            continue  # an emptied placeholder line, or a run of blank lines
        out.append("" if line == "-" else line)
    return "\n".join(out).strip()
