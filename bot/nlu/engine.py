"""The built-in engine: numpy-only inference over an exported model."""

from __future__ import annotations

import logging
from typing import Protocol

import numpy as np

from bot.nlu.features import Vectoriser, featurise
from bot.nlu.model import Model
from bot.nlu.numbers import normalise, to_number
from bot.nlu.rules import RuleExtractor, select
from bot.nlu.safety import hazard
from bot.nlu.tagger import Tagger
from bot.nlu.types import FALLBACK_INTENT, SAFETY_INTENT, Entity, ParseResult

log = logging.getLogger(__name__)
RANKING_SIZE = 10
_NUMERIC = {"power_kw", "battery_level"}


class NLUEngine(Protocol):
    """Anything that turns one message into a ParseResult."""

    def parse(self, text: str, language: str | None = None) -> ParseResult:
        """Classify one message (language: a hint, e.g. the conversation's) and extract its entities."""
        ...


class BuiltinEngine:
    """Parse with a trained `Model`; never raises on odd input."""

    def __init__(self, model: Model) -> None:
        self.model = model
        cfg = model.config
        self._vectoriser = Vectoriser(model.vocabulary, model.idf, cfg.char_min, cfg.char_max, cfg.max_chars)
        self._rules = RuleExtractor(model.synonyms, model.lookups, model.regexes)
        self._tagger = Tagger(model.tagger_weights, model.tagger_labels)
        self._intents = model.intents

    def parse(self, text: str, language: str | None = None) -> ParseResult:
        """Classify one message with this model's language (the hint is ignored) and extract its entities."""
        text = text if isinstance(text, str) else str(text)
        cfg = self.model.config
        work = text[:cfg.max_chars]
        lang = self.model.language
        if not work.strip():
            return ParseResult(text, FALLBACK_INTENT, 0.0, (), (), lang)
        norm = normalise(work)
        rule_entities = self._rules.extract(work, norm)
        ranking, known = self._rank(work, rule_entities)
        intent, confidence = ranking[0] if ranking else (FALLBACK_INTENT, 0.0)
        entities = tuple(self._entities(work, rule_entities))
        if known < cfg.min_known:
            intent, confidence = FALLBACK_INTENT, min(confidence, known)
        elif confidence < cfg.fallback_threshold:
            intent = FALLBACK_INTENT
        phrase = hazard(work)
        if phrase is not None:
            log.debug("safety net: %r forces %s (classifier said %s)", phrase, SAFETY_INTENT, intent)
            intent, confidence = SAFETY_INTENT, max(dict(ranking).get(SAFETY_INTENT, 0.0), cfg.safety_confidence)
        return ParseResult(text, intent, float(confidence), ranking, entities, lang)

    def _rank(self, text: str, entities: list[Entity]) -> tuple[tuple[tuple[str, float], ...], float]:
        cfg = self.model.config
        feats = featurise(text, entities, cfg.char_min, cfg.char_max, cfg.max_chars)
        indices, values, known = self._vectoriser.transform(feats)
        if not len(indices):
            return (), 0.0
        logits = values @ self.model.weights[indices] + self.model.bias
        logits = np.exp(logits - logits.max())
        probs = logits / logits.sum()
        order = np.argsort(-probs)[:RANKING_SIZE]
        return tuple((self._intents[i], round(float(probs[i]), 6)) for i in order), known

    def _entities(self, text: str, rule_entities: list[Entity]) -> list[Entity]:
        found = list(rule_entities)
        for name, start, end in self._tagger.tag(text):
            if any(start < e.end and end > e.start for e in found):
                continue
            value = self._value(name, text[start:end])
            if value is not None:
                found.append(Entity(name, value, start, end, text[start:end], 0.8, "tagger"))
        return select(found)

    def _value(self, name: str, raw: str) -> str | float | None:
        if name in _NUMERIC:
            return to_number(raw)
        if name == "amount":
            return None  # amounts need a currency, which only the rules read reliably
        if name == "connector_id":
            number = to_number(raw)
            return str(int(number)) if number is not None else self._rules.canonical(raw.lower())
        return self._rules.canonical(normalise(raw).text)
