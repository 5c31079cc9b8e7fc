"""One engine per language behind one `parse`: the detected language picks the model, else the hint."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping

from bot.nlu.engine import BuiltinEngine
from bot.nlu.language import Detection, LanguageDetector, Profile
from bot.nlu.model import Model
from bot.nlu.types import FALLBACK_INTENT, ParseResult

log = logging.getLogger(__name__)
# an unsure short message ("n") stays with the first language unless another model is this much surer ("genau")
SWITCH_MARGIN = 0.1


class MultilingualEngine:
    """Route each message to its language's model.

    A confidently detected language wins (a driver who switches language is followed); a short or
    unsure message ("ja", "ok", "CP-1042") goes to the hint (the conversation's language), else to the
    engine's default, else to whichever model is clearly most confident about it (the first language,
    the data root's, on a near tie).
    """

    def __init__(self, engines: Mapping[str, BuiltinEngine], detector: LanguageDetector,
                 default: str | None = None) -> None:
        if not engines:
            raise ValueError("MultilingualEngine needs at least one language")
        self.engines = dict(engines)
        self.detector = detector
        self.default = default if default in self.engines else None

    @classmethod
    def from_models(cls, models: Mapping[str, Model], default: str | None = None) -> MultilingualEngine:
        """Build the engines and the detector (from each model's language profile)."""
        profiles = {lang: Profile(m.profile, m.profile_floor) for lang, m in models.items() if m.profile}
        return cls({lang: BuiltinEngine(m) for lang, m in models.items()}, LanguageDetector(profiles), default)

    @property
    def languages(self) -> tuple[str, ...]:
        """Return the languages loaded."""
        return tuple(self.engines)

    def detect(self, text: str) -> Detection:
        """Return the language of one message (None when too short or unsure)."""
        return self.detector.detect(text)

    def parse(self, text: str, language: str | None = None) -> ParseResult:
        """Classify one message with the model of its detected language (or the hint, or the default)."""
        detection = self.detector.detect(text) if len(self.engines) > 1 else Detection(None, 0.0)
        chosen = next((lang for lang in (detection.language, language, self.default) if lang in self.engines), None)
        if chosen is not None:
            result = self.engines[chosen].parse(text)
        elif len(self.engines) == 1:
            result = next(iter(self.engines.values())).parse(text)
        else:
            result = self._most_confident(text)
        if language is not None and language not in self.engines:
            log.debug("no NLU model for language %r; read as %s", language, result.language)
        return dataclasses.replace(result, detected_language=detection.language,
                                   language_confidence=detection.confidence)

    def _most_confident(self, text: str) -> ParseResult:
        """Parse with every model; the first language (the data root's) keeps it unless another is clearly surer."""
        results = [engine.parse(text) for engine in self.engines.values()]
        best = results[0]
        for result in results[1:]:
            if _top(result) > _top(best) + SWITCH_MARGIN:
                best = result
        return best


def _top(result: ParseResult) -> float:
    """How sure a model is that it understood: a model that reads the text as out of scope did not."""
    if result.intent == FALLBACK_INTENT or not result.ranking:
        return 0.0
    return result.ranking[0][1]
