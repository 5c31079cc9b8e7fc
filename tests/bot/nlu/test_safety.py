"""The safety net: danger words force safety_hazard, whatever the classifier thinks."""

from __future__ import annotations

import pytest

from bot.nlu.engine import BuiltinEngine

HAZARDS = [
    "there's smoke coming out of the charger", "the charger is smoking", "its smoking", "smokin plug",
    "burning smell", "burnt smell near connector 2", "smells like burning plastic", "something smells burnt",
    "sparks when i plugged in", "it's sparking", "it sparked and went bang", "the charger is on fire",
    "fire!!", "flames coming out of the socket", "the plug melted", "melting handle",
    "the plug is really hot", "cable too hot to touch", "the connector is overheating", "handle is very hot",
    "i got an electric shock", "it shocked me", "got zapped touching the unit", "exposed wires on the post",
    "wires hanging out of the pillar", "water inside the charger", "water pouring into the socket",
    "uh yeah station twelve is uh smoking i think", "charger won't start and there's a burning smell",
    "cable stuck and it's sizzling", "CP-1042 sparkin", "i can smell burning", "SMOKE",
    "watr in charger", "something blew up inside the charger", "live cable lying on the ground",
    "i can see the copper strands in the cable", "the cover is off and there are wires everywhere",
    "i heard a bang on the charger", "cut the power now", "i got a jolt from the handle", "🔥🔥🔥",
    "steam coming out of the charger", "the socket is steaming",
    "i think it short circuited", "the charger shorted out", "the cable insulation is torn",
    "there's soot around the socket", "the connector is blackened",
]
SAFE = ["hello", "i was charged twice", "how much per kwh", "the screen is broken", "charger won't start",
        "yes bang on", "bang on, thanks"]


@pytest.mark.parametrize("text", HAZARDS)
def test_danger_is_never_missed(engine: BuiltinEngine, text: str) -> None:
    result = engine.parse(text)
    assert result.intent == "safety_hazard"
    assert result.confidence >= 0.9


@pytest.mark.parametrize("text", SAFE)
def test_ordinary_complaints_are_not_raised_as_danger(engine: BuiltinEngine, text: str) -> None:
    assert engine.parse(text).intent != "safety_hazard"


def test_forced_safety_keeps_the_classifier_ranking(engine: BuiltinEngine) -> None:
    result = engine.parse("the cable is stuck and smoking")
    assert result.intent == "safety_hazard"
    assert len(result.ranking) == 10
    assert [c for _, c in result.ranking] == sorted((c for _, c in result.ranking), reverse=True)
