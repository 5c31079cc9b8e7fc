"""The Rasa backend: post to a running Rasa server's `/model/parse`, fall back to the built-in engine."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.nlu.safety import hazard
from bot.nlu.types import FALLBACK_INTENT, SAFETY_INTENT, Entity, ParseResult

if TYPE_CHECKING:  # requests is imported on first use: a builtin-only process never needs it
    import requests

log = logging.getLogger(__name__)
SAFETY_CONFIDENCE = 0.9


class RasaEngine:
    """Parse with Rasa over HTTP; on a connection problem log it and use the fallback engine."""

    def __init__(self, url: str, *, fallback: Callable[[], Any] | None = None, timeout: float = 3.0,
                 session: requests.Session | None = None) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._fallback_factory = fallback
        self._fallback: Any = None
        self._http = session

    def parse(self, text: str, language: str | None = None) -> ParseResult:
        """Classify one message through Rasa (or the fallback engine, given the hint, when Rasa is down).

        One Rasa server serves one language (`language:` in its config.yml); the hint is for the fallback.
        """
        import requests

        if self._http is None:
            self._http = requests.Session()
        try:
            response = self._http.post(f"{self.url}/model/parse", json={"text": text}, timeout=self.timeout)
            response.raise_for_status()
            payload = response.json()
            return _with_safety_net(from_rasa(text, payload))
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            log.warning("Rasa at %s failed (%s); using the built-in NLU", self.url, exc)
            return self._fallback_engine(exc).parse(text, language)

    def _fallback_engine(self, exc: Exception) -> Any:
        from bot.errors import NLUUnavailable

        if self._fallback is None:
            if self._fallback_factory is None:
                raise NLUUnavailable(f"Rasa at {self.url} is unavailable and no fallback is set") from exc
            self._fallback = self._fallback_factory()
        return self._fallback


def from_rasa(text: str, payload: dict[str, Any]) -> ParseResult:
    """Turn Rasa's `/model/parse` JSON into a ParseResult."""
    intent = payload.get("intent") or {}
    ranking = tuple((str(r["name"]), float(r["confidence"])) for r in payload.get("intent_ranking") or [])[:10]
    entities = tuple(
        Entity(str(e["entity"]), e.get("value") if isinstance(e.get("value"), (str, float, int)) else str(e.get("value")),
               int(e.get("start", 0)), int(e.get("end", 0)), text[int(e.get("start", 0)):int(e.get("end", 0))],
               float(e.get("confidence_entity", 1.0) or 1.0), str(e.get("extractor", "rasa")))
        for e in payload.get("entities") or [])
    name = intent.get("name") or FALLBACK_INTENT
    if name == "nlu_fallback":  # Rasa's FallbackClassifier; ours calls it out_of_scope
        name = FALLBACK_INTENT
    return ParseResult(text, name, float(intent.get("confidence") or 0.0), ranking, entities)


def _with_safety_net(result: ParseResult) -> ParseResult:
    """Apply the same danger-word net as the built-in engine: Rasa must not miss a hazard either."""
    if hazard(result.text) is None:
        return result
    confidence = max(dict(result.ranking).get(SAFETY_INTENT, 0.0), SAFETY_CONFIDENCE)
    return ParseResult(result.text, SAFETY_INTENT, confidence, result.ranking, result.entities)
