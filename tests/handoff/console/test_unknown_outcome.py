"""A command whose answer was lost reads on the ticket page as possibly executed, not as failed or done."""

from __future__ import annotations

from flask import Flask

from bot.runtime import Runtime
from handoff.models import Ticket
from handoff.tickets import ticket_number

from .conftest import logged_in, make_ticket


def test_a_command_with_an_unknown_outcome_says_the_charger_may_have_executed_it(agents: Runtime,
                                                                                  app: Flask) -> None:
    ticket_id = make_ticket(agents, tier="tier1")
    with agents.sessions() as session, session.begin():
        ticket = session.get(Ticket, ticket_number(ticket_id))
        assert ticket is not None
        ticket.actions = [{"action": "Reset", "params": {"type": "Soft"}, "result": "Unknown", "verified": None,
                           "by": "bot:c-1", "at": "2026-11-22T21:00:00Z"}]
    page = logged_in(app, "tina").get(f"/agent/tickets/{ticket_id}").text
    assert "Soft reset of the charger — the answer was lost: the charger may have executed it · by the bot" in page
