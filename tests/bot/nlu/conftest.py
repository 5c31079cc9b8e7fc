"""NLU fixtures: one model trained once per session on the small sample in ./data."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.engine import BuiltinEngine
from bot.nlu.model import Model
from bot.nlu.train import train

SAMPLE = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def sample_model() -> Model:
    """A model trained on the sample data (a couple of seconds, once)."""
    return train(SAMPLE)


@pytest.fixture(scope="session")
def engine(sample_model: Model) -> BuiltinEngine:
    """The built-in engine on the sample model."""
    return BuiltinEngine(sample_model)
