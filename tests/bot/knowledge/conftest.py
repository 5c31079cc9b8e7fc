"""Fixtures for the knowledge base: the packaged guides and a few chargers to adapt them to."""

from __future__ import annotations

import pytest

from bot.knowledge import GuideContext, KnowledgeBase, load_knowledge


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The packaged knowledge base, loaded once."""
    return load_knowledge()


STATION_12 = GuideContext(
    charger_label="Station 12", connectors=[(1, "CCS2", 150.0), (2, "CHAdeMO", 50.0)],
    payment_methods=["rfid", "app"], emsps=[], site_type="fleet_depot", charger_id="CP-1042",
)
STATION_8 = GuideContext(
    charger_label="Station 8", connectors=[(1, "Type 2", 22.0)], payment_methods=["rfid", "app", "contactless"],
    emsps=["Shell Recharge", "Plugsurfing"], site_type="highway", charger_id="CP-2001",
)
# A busy highway hub with an awkward label: the worst case for SMS length and for voice symbols.
HUB = GuideContext(
    charger_label="DE*ION*E123456/A",
    connectors=[(1, "CCS2", 350.0), (2, "CCS2", 350.0), (3, "NACS", 250.0), (4, "Type 2", 22.0)],
    payment_methods=["rfid", "app", "qr", "contactless", "plug_and_charge"],
    emsps=["Shell Recharge", "Plugsurfing", "Chargemap", "Octopus Electroverse"], site_type="highway",
)
EMPTY = GuideContext(charger_label=None, connectors=(), payment_methods=(), emsps=(), site_type=None)
CONTEXTS = {"none": None, "empty": EMPTY, "station12": STATION_12, "station8": STATION_8, "hub": HUB}
