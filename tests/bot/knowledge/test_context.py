"""A guide context is read from the fleet tables, by charger id or by label."""

from __future__ import annotations

from pathlib import Path

from bot.fleet import import_fleet, parse_fleet_file
from bot.knowledge import GuideContext, KnowledgeBase
from bot.runtime import Runtime

FLEET = Path(__file__).parents[2] / "data" / "fleet_small.yml"


def test_from_fleet_reads_connectors_payment_and_emsps(runtime: Runtime, kb: KnowledgeBase) -> None:
    import_fleet(runtime.sessions, parse_fleet_file(FLEET))
    with runtime.sessions() as session:
        station12 = GuideContext.from_fleet(session, "CP-1042")
        station8 = GuideContext.from_fleet(session, "station 8")
        missing = GuideContext.from_fleet(session, "CP-9999")
    assert station12 == GuideContext(charger_label="Station 12", connectors=((1, "CCS2", 150.0), (2, "CHAdeMO", 50.0)),
                                     payment_methods=("rfid", "app"), emsps=(), site_type="fleet_depot",
                                     charger_id="CP-1042")
    assert station8 is not None and station8.charger_id == "CP-2001"
    assert station8.emsps == ("Shell Recharge", "Plugsurfing")
    assert missing is None
    text = kb.guide("which-plug").render("chat", station12).text
    assert "Station 12 has a CCS2 plug (up to 150 kW) and a CHAdeMO plug (up to 50 kW)." in text
