"""German: spoken numbers, charger names and positions, and the safety net in German."""

from __future__ import annotations

import pytest

from bot.nlu.chargers import ChargerMatcher
from bot.nlu.numbers import german_number, normalise
from bot.nlu.rules import RuleExtractor
from bot.nlu.safety import hazard


@pytest.mark.parametrize(("said", "written"), [
    ("eins null vier zwei", "1042"),
    ("zehn zweiundvierzig", "1042"),
    ("zwei und vierzig prozent", "42 prozent"),
    ("einhundertfünfzig kW", "150 kW"),
    ("hundert Euro", "100 Euro"),
    ("sieben komma vier kilowatt", "7.4 kilowatt"),
    ("station zwoelf bitte", "station 12 bitte"),
    ("ein Kabel und eine Karte", "ein Kabel und eine Karte"),
])
def test_spoken_german_numbers_become_digits(said: str, written: str) -> None:
    assert normalise(said).text == written


@pytest.mark.parametrize(("word", "value"), [("dreiundzwanzig", 23), ("einundzwanzig", 21),
                                             ("zweihundertzwölf", 212), ("fuenfzig", 50), ("stunde", None)])
def test_german_compound_numbers_are_read_whole(word: str, value: int | None) -> None:
    assert german_number(word) == value


@pytest.mark.parametrize(("text", "entity", "value"), [
    ("Säule sieben startet nicht", "charger_id", "Station 7"),
    ("an der Ladesäule Nummer zwölf", "charger_id", "Station 12"),
    ("Ladepunkt 3", "charger_id", "Station 3"),
    ("Stecker zwei ist kaputt", "connector_id", "2"),
    ("der linke Stecker", "connector_id", "left"),
    ("Akku bei achtzig Prozent", "battery_level", 80.0),
    ("zwölf Euro und fünfzig", "amount", "12.50 EUR"),
])
def test_german_entities_get_the_english_values(text: str, entity: str, value: object) -> None:
    found = [(e.entity, e.value) for e in RuleExtractor().extract(text)]
    assert found == [(entity, value)]


@pytest.mark.parametrize("said", ["Säule zwölf", "Station zwölf", "ladepunkt zwoelf",
                                  "äh die Nummer ist c p eins null vier zwei"])
def test_german_charger_names_resolve_as_the_english_ones(said: str) -> None:
    matcher = ChargerMatcher([("CP-1042", "Station 12"), ("CP-2001", "Station 8")])
    assert matcher.resolve(said).charger_id == "CP-1042"
    assert matcher.resolve(said).confidence == matcher.resolve("station twelve").confidence


@pytest.mark.parametrize("text", [
    "Rauch kommt aus der Säule", "es brennt!", "Funken beim Einstecken", "ich hab nen Stromschlag bekommen",
    "es riecht verbrannt", "der Stecker ist sehr heiß", "Stecker ist total heiss", "es qualmt",
    "das Kabel wird richtig heiss", "blanke Kabel schauen raus", "Wasser in der Säule", "hat mir eine gewischt",
    "riecht nach verbranntem Plastik", "der stecker ist ueberhitzt", "es funkt am Stecker", "Lebensgefahr!",
    "ich glaub da ist ein Kurzschluss", "der Stecker ist heißgelaufen", "alles rußig an der Buchse",
    "die Isolierung vom Kabel ist kaputt", "es stinkt nach Schmorgeruch", "es stinkt verbrannt",
])
def test_german_danger_is_never_missed(text: str) -> None:
    assert hazard(text) is not None


@pytest.mark.parametrize("text", [
    "die Ladesäule funktioniert nicht", "wie heißt die App", "kein Rauch, aber startet nicht",
    "die Säule ist nicht heiß", "es funkt nicht mehr", "bin 50 km gefahren", "Zahlung fehlgeschlagen",
    "Raststätte Brandenburg", "es ist heiß heute",
])
def test_harmless_german_is_not_an_alarm(text: str) -> None:
    assert hazard(text) is None
