"""Knowledge questions (paying, prices, starting, plugs): the knowledge base's guides, adapted to the charger."""

from __future__ import annotations

import logging

from bot.conversation.escalate import known_incident
from bot.conversation.turn import Turn

log = logging.getLogger(__name__)

FALLBACK = {
    "payment_failed": "Payments can fail when the card's pre-authorisation is declined. Try another card or "
                      "the app, or tap your charging card instead.",
    "how_to_pay": "You can pay with a charging card (RFID), in the app, or where the charger has a card "
                  "reader, contactless with a bank card.",
    "pricing_info": "Prices are shown in the app and on the charger's screen before you start.",
    "how_to_start": "Plug the cable into the car first, then tap your card on the reader or start in the app. "
                    "The screen shows when charging begins.",
    "connector_help": "Check the plug type on the charger against your car's inlet: CCS2 for most European "
                      "cars on fast chargers, CHAdeMO for some older Japanese models, Type 2 for AC charging.",
}


def say_guides(turn: Turn, intent: str, *, limit: int = 1) -> bool:
    """Add the best guide(s) for `intent`; True if the knowledge base had one."""
    entities = {k: str(v) for k, v in turn.understood.entities.items()}
    with turn.db() as session:
        found = turn.deps.knowledge.guides(session, intent, entities, turn.state.charger_id)
    for guide in found[:limit]:
        links = (guide.link,) if guide.link else ()
        turn.say(guide.text, guide.voice_text, links=links, image_url=guide.image_url, sms=guide.sms_text)
    if not found and intent in FALLBACK:
        turn.say(FALLBACK[intent])
    return bool(found)


def run(turn: Turn) -> None:
    """Answer from the knowledge base; mention a known payment outage first."""
    intent = turn.state.intent or turn.understood.intent
    if intent == "payment_failed" and known_incident(turn, intent):
        turn.say("There is a known problem with card payments across our network right now, and our team is "
                 "already working on it. Until it is fixed, you can start with a charging card or the app.",
                 "There is a known problem with card payments right now, and our team is working on it. "
                 "You can still start with a charging card or the app.")
    say_guides(turn, intent)
    turn.state.intent = None

