"""The loaded knowledge base: look up guides by id or by what the driver asked."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from bot.knowledge.model import ErrorExplanation, Guide, UnknownGuide

_PLUGS = (  # spoken or typed plug names -> the tag guides use
    (r"\bccs ?1\b|\bcombo ?1\b", "ccs1"),
    (r"\bccs ?2?\b|\bcombo ?2?\b", "ccs2"),
    (r"cha ?de ?mo", "chademo"),
    (r"type ?2|mennekes", "type2"),
    (r"type ?1|j ?1772", "type1"),
    (r"nacs|tesla|j ?3400", "nacs"),
)
_PAYMENTS = (
    (r"rfid|charge ?card|charging card|fob|badge", "rfid"),
    (r"\bqr\b|scan", "qr"),
    (r"contactless|credit|debit|bank ?card|apple ?pay|google ?pay|visa|mastercard", "contactless"),
    (r"\bapp\b|application|phone", "app"),
)
_ERRORS = (
    (r"communicat|not detected|ev not|vehicle not|handshake|no car", "communication_error"),
    (r"ground|earth|isolation|insulation|rcd", "safety_code"),
    (r"temperat|overheat|too hot", "safety_code"),
)

_PHRASES = (  # what drivers write, for the message text itself
    (r"(don'?t|do not|dont|no|without)( have| got)?( the| an| any)? app", "no_app"),
    (r"freez|winter|frost|below zero", "cold"),
    (r"invoice|receipt", "receipt"),
)


def normalise_code(code: str) -> str:
    """Fold case, spaces, dots and slashes so 'RCD/Tripped', 'rcd.tripped' and 'RCD Tripped' agree."""
    return re.sub(r"[^a-z0-9]", "", code.lower())


def _number(text: str) -> float | None:
    match = re.search(r"\d+(?:[.,]\d+)?", text)
    return float(match.group(0).replace(",", ".")) if match else None


def entity_tags(entities: Mapping[str, str]) -> set[str]:
    """Turn NLU entities (and the message text, if given) into the tags guides are labelled with."""
    tags: set[str] = set()
    lowered = {k: str(v).lower() for k, v in entities.items() if v is not None}
    for key, table in (("connector_type", _PLUGS), ("payment_method", _PAYMENTS), ("error_text", _ERRORS)):
        if key in lowered:
            tags.update(tag for pattern, tag in table if re.search(pattern, lowered[key]))
            if key == "connector_type" and "ccs1" in tags:
                tags.discard("ccs2")
    if "emsp" in lowered:
        tags.add("emsp")
    level = _number(lowered.get("battery_level", ""))
    if level is not None:
        tags.add("high_soc" if level >= 80 else "low_soc")
    power = _number(lowered.get("power_kw", ""))
    if power is not None and power <= 22:
        tags.add("ac")
    text = lowered.get("text", "")
    tags.update(re.findall(r"[a-z0-9]+", text))
    tags.update(tag for pattern, tag in _PHRASES if re.search(pattern, text))
    return tags


class KnowledgeBase:
    """Guides by id and by intent, and charger error codes explained for drivers."""

    def __init__(self, guides: Sequence[Guide], errors: Mapping[str, ErrorExplanation]) -> None:
        self._guides = {g.id: g for g in guides}
        self._order = {g.id: n for n, g in enumerate(guides)}
        self._errors = dict(errors)

    @property
    def guides(self) -> list[Guide]:
        """Every guide, in file order."""
        return list(self._guides.values())

    def error_codes(self) -> list[ErrorExplanation]:
        """Every explanation once, in file order."""
        seen: dict[str, ErrorExplanation] = {}
        for explanation in self._errors.values():
            seen.setdefault(explanation.code, explanation)
        return list(seen.values())

    def guide(self, guide_id: str) -> Guide:
        """Return the guide with this id, or raise `UnknownGuide`."""
        try:
            return self._guides[guide_id]
        except KeyError:
            raise UnknownGuide(guide_id) from None

    def for_intent(self, intent: str, entities: Mapping[str, str] | None = None) -> list[Guide]:
        """Return the guides that answer `intent`, best match for the entities first."""
        tags = entity_tags(entities or {})
        scored = []
        for guide in self._guides.values():
            if intent not in guide.intents:
                continue
            score = (100 if guide.intents[0] == intent else 50 - guide.intents.index(intent))
            score += 10 * len(tags.intersection(guide.tags)) + guide.priority
            scored.append((-score, self._order[guide.id], guide))
        return [guide for _, _, guide in sorted(scored, key=lambda s: (s[0], s[1]))]

    def error_code(self, code: str) -> ErrorExplanation | None:
        """Explain an OCPP 1.6 error code or a mapped 2.0.1 component/variable (any case), else None."""
        if not code or not code.strip():
            return None
        key = normalise_code(code)
        # 2.0.1 reports often name only the component ("TokenReader"); its problem variable is meant
        return self._errors.get(key) or self._errors.get(key + "problem")
