"""Natural language understanding: one driver message -> intent, confidence, ranking and entities.

`load_engine(settings)` returns the configured backend; everything else is for training,
evaluation and tests. Nothing is loaded or trained at import time.
"""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.nlu.chargers import ChargerMatch, ChargerMatcher
from bot.nlu.engine import BuiltinEngine, NLUEngine
from bot.nlu.evaluate import cross_validate, evaluate
from bot.nlu.language import Detection, LanguageDetector, detect
from bot.nlu.loader import Example, NLUDataError, TrainingData, load_data
from bot.nlu.model import Model, load_model
from bot.nlu.rasa import RasaEngine
from bot.nlu.router import MultilingualEngine
from bot.nlu.train import train
from bot.nlu.types import Entity, ParseResult

log = logging.getLogger(__name__)

__all__ = ["BuiltinEngine", "ChargerMatch", "ChargerMatcher", "Detection", "Entity", "Example", "LanguageDetector",
           "Model", "MultilingualEngine", "NLUDataError", "NLUEngine", "ParseResult", "RasaEngine", "TrainingData",
           "cross_validate", "detect", "evaluate", "load_data", "load_engine", "load_model", "train"]


def load_engine(settings: Settings, *, train_if_missing: bool = True, language: str | None = None) -> NLUEngine:
    """Return the NLU backend the settings name: the built-in engine, or Rasa with it as fallback.

    language: the default language for a message too short to tell ("ok") that comes without a hint;
    None lets the most confident model read it.
    """
    from bot.nlu.store import load_builtin

    if settings.nlu_backend == "rasa" and settings.rasa_url:
        log.info("NLU backend: Rasa at %s", settings.rasa_url)
        return RasaEngine(settings.rasa_url, fallback=lambda: load_builtin(
            settings, train_if_missing=train_if_missing, language=language))
    return load_builtin(settings, train_if_missing=train_if_missing, language=language)
