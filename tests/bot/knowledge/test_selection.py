"""`for_intent` puts the guide that answers the driver's case first."""

from __future__ import annotations

import pytest

from bot.knowledge import KnowledgeBase


@pytest.mark.parametrize(
    ("intent", "entities", "first"),
    [
        ("connector_help", {"connector_type": "CCS2"}, "plug-ccs2"),
        ("connector_help", {"connector_type": "CCS"}, "plug-ccs2"),
        ("connector_help", {"connector_type": "chademo"}, "plug-chademo"),
        ("connector_help", {"connector_type": "J1772"}, "plug-type1"),
        ("connector_help", {"connector_type": "Tesla plug"}, "plug-nacs"),
        ("connector_help", {"connector_type": "CCS1"}, "plug-ccs1"),
        ("connector_help", {"connector_type": "type 2"}, "plug-type2"),
        ("connector_help", {}, "which-plug"),
        ("slow_charging", {"battery_level": "85%"}, "slow-taper"),
        ("slow_charging", {"battery_level": "85"}, "slow-taper"),
        ("slow_charging", {"power_kw": "11 kW"}, "slow-ac-limits"),
        ("slow_charging", {"text": "it's cold and it only does 30 kw"}, "slow-cold-battery"),
        ("slow_charging", {}, "slow-why"),
        ("how_to_start", {"payment_method": "RFID card"}, "start-rfid"),
        ("how_to_start", {"payment_method": "QR code"}, "start-qr"),
        ("how_to_start", {"payment_method": "Apple Pay"}, "start-contactless"),
        ("how_to_start", {}, "plug-or-authorise-first"),
        ("how_to_pay", {"emsp": "Plugsurfing"}, "roaming-and-emsp"),
        ("how_to_pay", {"text": "i don't have the app"}, "no-app"),
        ("auth_failed", {"payment_method": "app"}, "app-authorisation-failed"),
        ("auth_failed", {"payment_method": "rfid"}, "rfid-not-recognised"),
        ("error_message", {"error_text": "communication error"}, "communication-error"),
        ("payment_failed", {}, "card-declined"),
        ("cable_stuck", {}, "cable-stuck"),
        ("safety_hazard", {}, "safety"),
        ("report_damage", {}, "report-damage"),
        ("check_status", {}, "status-meanings"),
        ("charging_stopped", {"battery_level": "80"}, "stopped-reached-limit"),
        ("billing_dispute", {"text": "i need an invoice"}, "receipts-invoices"),
        ("billing_dispute", {}, "refunds"),
        ("pricing_info", {"text": "idle fee"}, "idle-fees"),
    ],
)
def test_the_best_guide_comes_first(kb: KnowledgeBase, intent: str, entities: dict[str, str], first: str) -> None:
    guides = kb.for_intent(intent, entities)
    assert guides[0].id == first, [g.id for g in guides[:4]]
    assert all(intent in g.intents for g in guides)


def test_an_intent_without_guides_gives_an_empty_list(kb: KnowledgeBase) -> None:
    assert kb.for_intent("greet") == []
    assert kb.for_intent("no_such_intent", {"connector_type": "CCS2"}) == []
