"""Human names for the ids people read: tiers, intents, site types, channels, statuses, languages (one mapping).

The console, the dashboard and the report charts all show these words; the ids stay in JSON, URLs and logs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType

from bot.i18n import catalogue, languages

TIER_NAMES: Mapping[str, str] = MappingProxyType({
    "tier1": "Tier 1 support", "tier2": "Tier 2 support", "field_engineering": "Field engineering",
    "platform_ops": "Platform operations",
})
INTENT_NAMES: Mapping[str, str] = MappingProxyType({
    "greet": "Greeting", "goodbye": "Goodbye", "thanks": "Thanks", "affirm": "Yes", "deny": "No",
    "inform": "Gave details", "request_human": "Asked for a person", "how_to_start": "How to start",
    "start_failure": "Will not start", "auth_failed": "Card or app refused", "payment_failed": "Payment failed",
    "how_to_pay": "How to pay", "pricing_info": "Prices", "connector_help": "Which plug",
    "cable_stuck": "Cable stuck", "error_message": "Error on the screen", "slow_charging": "Slow charging",
    "charging_stopped": "Charging stopped", "charger_unavailable": "Charger unavailable",
    "check_status": "Charger status", "billing_dispute": "Billing dispute", "report_damage": "Damage report",
    "safety_hazard": "Safety hazard", "out_of_scope": "Not about charging", "unknown": "Not understood",
})
SITE_TYPE_NAMES: Mapping[str, str] = MappingProxyType({
    "fleet_depot": "Fleet depot", "mixed_use": "Mixed use", "highway": "Highway", "workplace": "Workplace",
    "street": "Street", "none": "No charger named",
})
CHANNEL_NAMES: Mapping[str, str] = MappingProxyType({
    "voice": "Phone call", "sms": "SMS", "whatsapp": "WhatsApp", "telegram": "Telegram", "webchat": "Web chat",
})
STATUS_NAMES: Mapping[str, str] = MappingProxyType({
    "open": "Open", "in_progress": "In progress", "resolved": "Resolved",
})


class _LanguageNames(Mapping[str, str]):
    """Each message catalogue's English name for its language ("de" -> "German (de)"), read from bot/i18n."""

    def __getitem__(self, code: str) -> str:
        name = catalogue(code).get("language.english_name")
        if name is None:
            raise KeyError(code)
        return f"{name} ({code})"

    def __iter__(self) -> Iterator[str]:
        return iter(languages())

    def __len__(self) -> int:
        return len(languages())


KINDS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "tier": TIER_NAMES, "intent": INTENT_NAMES, "site_type": SITE_TYPE_NAMES, "channel": CHANNEL_NAMES,
    "status": STATUS_NAMES, "language": _LanguageNames(),
})


def human(kind: str, value: object) -> str:
    """The name people read for an id of `kind` ("tier", "intent", ...); unknown ids as plain words."""
    if value is None or value == "":
        return "–"
    text = str(value)
    known = KINDS[kind].get(text)
    if known is not None:
        return known
    words = text.replace("_", " ").strip()
    if words.isupper():  # HOW TO PAY
        words = words.lower()
    return words[:1].upper() + words[1:]


def humans(kind: str, counts: Mapping[str, float]) -> dict[str, float]:
    """The same counts keyed by human names (ids that share a name are added up)."""
    named: dict[str, float] = {}
    for key, value in counts.items():
        name = human(kind, key)
        named[name] = named.get(name, 0) + value
    return named
