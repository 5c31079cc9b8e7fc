"""The parse result every NLU backend returns, in Rasa's `/model/parse` shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FALLBACK_INTENT = "out_of_scope"
SAFETY_INTENT = "safety_hazard"
# The contract in nlu-taxonomy.md: training data, dialogue, rules and reports use these names.
INTENTS = ("greet", "goodbye", "thanks", "affirm", "deny", "inform", "request_human", "how_to_start",
           "start_failure", "auth_failed", "payment_failed", "how_to_pay", "pricing_info", "connector_help",
           "cable_stuck", "error_message", "slow_charging", "charging_stopped", "charger_unavailable",
           "check_status", "billing_dispute", "report_damage", "safety_hazard", "out_of_scope")
ENTITIES = ("charger_id", "connector_id", "connector_type", "payment_method", "emsp", "error_text", "power_kw",
            "battery_level", "amount", "vehicle", "location")


@dataclass(frozen=True)
class Entity:
    """One extracted entity: normalised value plus where it was found in the text."""

    entity: str
    value: str | float
    start: int
    end: int
    raw: str
    confidence: float = 1.0
    extractor: str = "rules"

    def to_dict(self) -> dict[str, Any]:
        """Return the entity as Rasa writes it in `/model/parse`."""
        return {"entity": self.entity, "value": self.value, "start": self.start, "end": self.end,
                "raw": self.raw, "confidence_entity": round(self.confidence, 4), "extractor": self.extractor}


@dataclass(frozen=True)
class ParseResult:
    """What the NLU understood from one message."""

    text: str
    intent: str
    confidence: float
    ranking: tuple[tuple[str, float], ...]
    entities: tuple[Entity, ...] = ()
    language: str | None = None  # the language whose model read the message
    detected_language: str | None = None  # what the detector said; None: too short or unsure ("ok", "ja")
    language_confidence: float = 0.0

    def entity(self, name: str) -> Entity | None:
        """Return the first entity of this type, or None."""
        for entity in self.entities:
            if entity.entity == name:
                return entity
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return the result in the JSON shape of Rasa's `/model/parse`, plus the message's language."""
        return {
            "text": self.text,
            "intent": {"name": self.intent, "confidence": round(self.confidence, 4)},
            "intent_ranking": [{"name": n, "confidence": round(c, 4)} for n, c in self.ranking],
            "entities": [e.to_dict() for e in self.entities],
            "language": {"name": self.language, "detected": self.detected_language,
                         "confidence": round(self.language_confidence, 4)},
        }
