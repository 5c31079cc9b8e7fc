"""Spoken numbers become digits, and entity values are normalised."""

from __future__ import annotations

import pytest

from bot.nlu.numbers import normalise
from bot.nlu.rules import RuleExtractor


@pytest.mark.parametrize(("said", "written"), [
    ("one oh four two", "1042"),
    ("ten forty two", "1042"),
    ("eighty five percent", "85 percent"),
    ("twelve euros fifty", "12 euros 50"),
    ("seven kilowatts", "7 kilowatts"),
    ("one hundred and fifty kw", "150 kw"),
    ("seven point four kw", "7.4 kw"),
    ("oh no it stopped", "oh no it stopped"),
])
def test_spoken_numbers_become_digits(said: str, written: str) -> None:
    assert normalise(said).text == written


def test_spans_map_back_to_the_words_the_driver_said() -> None:
    text = "uh c p one oh four two ok"
    norm = normalise(text)
    start = norm.text.index("1042")
    assert text[slice(*norm.span(start, start + 4))] == "one oh four two"


@pytest.mark.parametrize(("text", "entity", "value", "raw"), [
    ("c p one oh four two", "charger_id", "CP-1042", "c p one oh four two"),
    ("it's cp1042", "charger_id", "CP-1042", "cp1042"),
    ("station twelve won't start", "charger_id", "Station 12", "station twelve"),
    ("charger 12 is dead", "charger_id", "Charger 12", "charger 12"),
    ("DE*ION*E123456 says error", "charger_id", "DE*ION*E123456", "DE*ION*E123456"),
    ("connector number two", "connector_id", "2", "connector number two"),
    ("getting seven kilowatts", "power_kw", 7.0, "seven kilowatts"),
    ("only 30kW", "power_kw", 30.0, "30kW"),
    ("stuck at eighty five percent", "battery_level", 85.0, "eighty five percent"),
    ("charged twelve euros fifty", "amount", "12.50 EUR", "twelve euros fifty"),
    ("they took €12.50", "amount", "12.50 EUR", "€12.50"),
    ("charged $40 twice", "amount", "40.00 USD", "$40"),
    ("do you have combo", "connector_type", "CCS2", "combo"),
    ("my car has J1772", "connector_type", "Type 1", "J1772"),
    ("is this a tesla plug", "connector_type", "NACS", "tesla plug"),
    ("the mennekes cable", "connector_type", "Type 2", "mennekes"),
    ("via plugsurfing", "emsp", "Plugsurfing", "plugsurfing"),
])
def test_rule_entities_are_normalised(text: str, entity: str, value: object, raw: str) -> None:
    found = [e for e in RuleExtractor().extract(text) if e.entity == entity]
    assert [(e.value, e.raw, text[e.start:e.end]) for e in found] == [(value, raw, raw)]
