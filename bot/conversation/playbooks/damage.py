"""Physical damage that is not an immediate danger: a field-engineering ticket (P3)."""

from __future__ import annotations

from bot.conversation.escalate import open_ticket, summary_line
from bot.conversation.slots import need_charger
from bot.conversation.turn import Turn


def run(turn: Turn) -> None:
    """Collect the charger, then log the damage for the field team."""
    if turn.understood.intent == "report_damage" and turn.text:
        turn.state.slots["damage_text"] = turn.text  # the report itself, not the answer to "which charger?"
    if not need_charger(turn):
        return
    description = turn.state.slots.get("damage_text") or turn.text
    ref = open_ticket(turn, summary=summary_line(turn, f"damage reported: \"{description}\""))
    if ref is None:
        turn.say("Thank you. I couldn't log it just now; please call our support line so we can fix it.")
    else:
        turn.say(f"Thank you for telling us. I've logged it for our field engineers (ticket {ref.id}). "
                 "If anything looks dangerous, such as exposed wires, sparks or a burning smell, stay away "
                 "from the charger and tell me at once.",
                 "Thank you. I've logged it for our field engineers. If anything looks dangerous, stay away "
                 "and tell me at once.")
    turn.state.intent = None
    turn.state.slots.pop("damage_text", None)
