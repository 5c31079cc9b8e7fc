"""Any text at all gets an answer: no crash, sane confidences, entity offsets inside the text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu.chargers import ChargerMatcher
from bot.nlu.engine import BuiltinEngine
from bot.nlu.numbers import normalise

TEXT = st.text(max_size=300) | st.lists(
    st.sampled_from(["one", "oh", "twelve", "fifty", "hundred", "and", "point", "c", "p", "euros", "kw",
                     "percent", "station", "charger", "smoke", "no", "not", "CP-1042", "€", "5", " ", "#"]),
    max_size=20).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_parse_never_fails(engine: BuiltinEngine, text: str) -> None:
    result = engine.parse(text)
    assert 0.0 <= result.confidence <= 1.0
    assert len(result.ranking) <= 10
    for entity in result.entities:
        assert 0 <= entity.start <= entity.end <= len(text)
        assert text[entity.start:entity.end] == entity.raw


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_normalised_spans_stay_inside_the_text(text: str) -> None:
    norm = normalise(text)
    for i in range(len(norm.text)):
        start, end = norm.span(i, i + 1)
        assert 0 <= start <= end <= len(text)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_charger_resolution_never_fails(text: str) -> None:
    match = ChargerMatcher([("CP-1042", "Station 12"), ("CP-2001", "Station 8")]).resolve(text)
    assert match.charger_id is None or match.charger_id in match.candidates
    assert 0.0 <= match.confidence <= 1.0
