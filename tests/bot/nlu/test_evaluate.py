"""Evaluation reports and cross-validation."""

from __future__ import annotations

from pathlib import Path

from bot.nlu import cross_validate, evaluate, load_data
from bot.nlu.engine import BuiltinEngine
from bot.nlu.loader import Example
from bot.nlu.train import train_data

SAMPLE = Path(__file__).parent / "data"


def test_report_has_the_contract_keys(engine: BuiltinEngine) -> None:
    report = evaluate(engine, load_data(SAMPLE).examples)
    assert {"intent_accuracy", "intent_macro_f1", "entity_f1", "per_intent", "confusion", "n",
            "safety_hazard_recall"} <= set(report)
    assert report["n"] == 123
    assert set(report["per_intent"]["greet"]) == {"precision", "recall", "f1", "support"}
    assert report["safety_hazard_recall"] == 1.0


def test_scores_count_a_wrong_intent(engine: BuiltinEngine) -> None:
    examples = [Example("hello", "greet"), Example("hello", "thanks")]
    report = evaluate(engine, examples)
    assert report["intent_accuracy"] == 0.5
    assert report["confusion"] == {"greet": {"greet": 1}, "thanks": {"greet": 1}}
    assert report["per_intent"]["thanks"]["recall"] == 0.0


def test_cross_validation_pools_every_example_once() -> None:
    data = load_data(SAMPLE)
    report = cross_validate(data, 3, lambda d: BuiltinEngine(train_data(d)))
    assert report["n"] == len(data.examples)
    assert report["folds"] == 3
    assert 0.0 <= report["intent_accuracy"] <= 1.0
