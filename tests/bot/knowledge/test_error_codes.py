"""Charger error codes are explained for drivers, with the right escalation."""

from __future__ import annotations

import re

import pytest

from bot.knowledge import KnowledgeBase
from bot.knowledge.loader import OCPP16_ERROR_CODES


def test_lookup_ignores_case_and_spacing(kb: KnowledgeBase) -> None:
    explanation = kb.error_code("evcommunicationerror")
    assert explanation is not None and explanation.code == "EVCommunicationError"
    assert kb.error_code("Communication Error") is explanation
    assert kb.error_code("E42") is None
    assert kb.error_code("") is None


@pytest.mark.parametrize(
    ("name", "code"),
    [("ConnectorPlugRetentionLock.Problem", "ConnectorLockFailure"), ("RCD/Tripped", "GroundFailure"),
     ("OverCurrentProtection.Tripped", "OverCurrentFailure"), ("TokenReader", "ReaderFailure"),
     ("TemperatureSensor.Problem", "HighTemperature"), ("FiscalMetering.Problem", "PowerMeterFailure"),
     ("PowerContactor.Problem", "PowerSwitchFailure"), ("DataLink.SignalStrength", "WeakSignal"),
     ("emergencystopsensor.active", "EmergencyStopSensor.Active"), ("ground fault", "GroundFailure")],
)
def test_ocpp_201_component_variables_map_to_an_explanation(kb: KnowledgeBase, name: str, code: str) -> None:
    explanation = kb.error_code(name)
    assert explanation is not None and explanation.code == code


@pytest.mark.parametrize("code", ["GroundFailure", "HighTemperature", "OverCurrentFailure"])
def test_electrical_and_thermal_faults_go_to_field_engineering_without_a_reset(kb: KnowledgeBase, code: str) -> None:
    explanation = kb.error_code(code)
    assert explanation is not None
    assert (explanation.safety, explanation.escalate_to, explanation.reset_may_help, explanation.driver_can_fix) == \
        (True, "field_engineering", False, False)
    assert "restart" not in explanation.driver_text.chat.lower()


def test_a_communication_error_is_something_the_driver_can_fix(kb: KnowledgeBase) -> None:
    explanation = kb.error_code("EVCommunicationError")
    assert explanation is not None
    assert (explanation.driver_can_fix, explanation.reset_may_help, explanation.safety) == (True, True, False)
    assert "plug in fully" in explanation.driver_text.sms


def test_every_explanation_reads_well_on_each_channel(kb: KnowledgeBase) -> None:
    for code in OCPP16_ERROR_CODES:
        explanation = kb.error_code(code)
        assert explanation is not None
        text = explanation.driver_text
        assert len(text.sms) <= 160 and text.sms.isascii(), code  # one SMS segment
        assert not re.search(r"[*#/\\]|https?:", text.voice), code
        assert explanation.title and explanation.escalate_to in (None, "tier2", "field_engineering")
