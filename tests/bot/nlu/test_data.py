"""The shipped training data and held-out file load cleanly and use only the taxonomy's names."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu import load_data
from bot.nlu.types import ENTITIES, INTENTS

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("source", [ROOT / "nlu_data", ROOT / "nlu_data" / "de", ROOT / "tests" / "data" / "nlu_de_dev.yml",
                                    ROOT / "tests" / "data" / "nlu_heldout.yml"])
def test_data_uses_exactly_the_taxonomy(source: Path) -> None:
    if not source.exists():
        pytest.skip(f"{source} is not written yet")
    data = load_data(source)
    assert sorted(data.intents) == sorted(INTENTS)
    names = {a.entity for e in data.examples for a in e.entities}
    assert names <= set(ENTITIES), names - set(ENTITIES)
    assert set(data.lookups) | set(data.regexes) <= set(ENTITIES)
