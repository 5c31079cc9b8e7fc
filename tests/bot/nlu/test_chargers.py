"""Resolving what a driver said or typed to a charger of the fleet."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.fleet.loader import import_fleet, parse_fleet_file
from bot.nlu.chargers import ChargerMatcher
from bot.runtime import Runtime

FLEET = [("CP-1042", "Station 12"), ("CP-2001", "Station 8"), ("CP-0012", "Station 40"),
         ("DE*ION*E123456", "Pillar 3")]


@pytest.mark.parametrize(("said", "charger_id", "confidence"), [
    ("CP-1042", "CP-1042", 1.0),
    ("cp1042", "CP-1042", 1.0),
    ("c p one oh four two", "CP-1042", 1.0),
    ("station twelve", "CP-1042", 1.0),
    ("Station 12", "CP-1042", 1.0),
    ("the charger number one oh four two", "CP-1042", 0.9),
    ("1042#", "CP-1042", 0.9),
    ("de ion e one two three four five six", "DE*ION*E123456", 1.0),
    ("station eight", "CP-2001", 1.0),
])
def test_ids_labels_and_spoken_digits_resolve(said: str, charger_id: str, confidence: float) -> None:
    match = ChargerMatcher(FLEET).resolve(said)
    assert (match.charger_id, match.confidence, match.candidates) == (charger_id, confidence, (charger_id,))


def test_digits_matching_two_chargers_are_ambiguous() -> None:
    match = ChargerMatcher(FLEET).resolve("twelve")  # Station 12 and CP-0012
    assert match.charger_id is None
    assert match.candidates == ("CP-0012", "CP-1042")
    assert match.confidence < 0.5


def test_a_near_miss_is_a_guess_with_lower_confidence() -> None:
    match = ChargerMatcher(FLEET).resolve("CP-1024")
    assert match.charger_id == "CP-1042"
    assert 0.5 < match.confidence < 0.9


@pytest.mark.parametrize("said", ["banana", "", "   ", "99999"])
def test_unknown_text_matches_nothing(said: str) -> None:
    assert ChargerMatcher(FLEET).resolve(said).charger_id is None


def test_matcher_reads_the_fleet_from_the_database(runtime: Runtime) -> None:
    import_fleet(runtime.sessions, parse_fleet_file(Path("tests/data/fleet_small.yml")))
    with runtime.sessions() as session:
        matcher = ChargerMatcher.from_session(session)
    assert matcher.entries == [("CP-1042", "Station 12"), ("CP-2001", "Station 8")]
    assert matcher.resolve("station twelve").charger_id == "CP-1042"
    assert matcher.resolve("eight").charger_id == "CP-2001"
