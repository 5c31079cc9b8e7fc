"""Parsing: Rasa's shape, a ranking, fallback to out_of_scope on anything odd, never a crash."""

from __future__ import annotations

import pytest

from bot.nlu.engine import BuiltinEngine


def test_parse_returns_rasa_model_parse_shape(engine: BuiltinEngine) -> None:
    result = engine.parse("uh yeah the charger number one oh four two it just says communication error")
    payload = result.to_dict()
    assert set(payload) == {"text", "intent", "intent_ranking", "entities", "language"}
    assert payload["language"] == {"name": "en", "detected": None, "confidence": 0.0}
    assert set(payload["intent"]) == {"name", "confidence"}
    assert 1 <= len(payload["intent_ranking"]) <= 10
    assert payload["intent_ranking"] == sorted(payload["intent_ranking"], key=lambda r: -r["confidence"])
    assert result.entity("charger_id") is not None and result.entity("charger_id").value == "Charger 1042"
    assert {"entity": "charger_id", "value": "Charger 1042", "start": 12, "end": 42}.items() <= \
        payload["entities"][0].items()
    assert result.entity("vehicle") is None


@pytest.mark.parametrize(("text", "intent"), [
    ("hello", "greet"),
    ("chrgr wont start pls help", "start_failure"),
    ("my credit card was declined", "payment_failed"),
    ("i cant unplug the cable", "cable_stuck"),
])
def test_known_phrasings_get_their_intent(engine: BuiltinEngine, text: str, intent: str) -> None:
    result = engine.parse(text)
    assert result.intent == intent
    assert result.confidence == result.ranking[0][1]


def test_probabilities_are_calibrated_to_sum_to_one(engine: BuiltinEngine) -> None:
    ranking = engine.parse("the screen is broken").ranking
    assert 0.0 < sum(c for _, c in ranking) <= 1.0 + 1e-6
    assert all(0.0 <= c <= 1.0 for _, c in ranking)


@pytest.mark.parametrize("text", [
    "", "   ", "😀😀😀", "\x00\x01\x02\xff", "asdkjh qwe zxcm", "Die Ladesäule funktioniert nicht",
    "¿Dónde está la biblioteca?", "這個充電樁壞了", "x" * 10_000, "word " * 3000,
])
def test_garbage_other_languages_and_huge_text_are_low_confidence_out_of_scope(
        engine: BuiltinEngine, text: str) -> None:
    result = engine.parse(text)
    assert result.intent == "out_of_scope"
    assert result.confidence < 0.5
    assert result.text == text


def test_below_the_threshold_the_classifier_ranking_is_kept(engine: BuiltinEngine) -> None:
    result = engine.parse("Die Ladesäule funktioniert nicht")
    assert result.ranking and result.ranking[0][0] != "out_of_scope"
    assert result.confidence == min(result.ranking[0][1], result.confidence)


def test_tagger_learns_entities_without_rules(engine: BuiltinEngine) -> None:
    result = engine.parse("the screen says communication error")
    assert result.entity("error_text") is not None
    assert result.entity("error_text").value == "communication error"
