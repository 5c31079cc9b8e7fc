"""A ticket keeps the driver's language; its JSON and the console's ticket page show it."""

from __future__ import annotations

from flask import Flask

from bot.runtime import Runtime
from handoff.clock import utcnow
from handoff.tickets import TicketDraft, get_ticket, open_ticket, ticket_json

from .conftest import logged_in


def _ticket(runtime: Runtime, language: str | None) -> str:
    draft = TicketDraft(channel="sms", contact="+4915112345678", charger_id="CP-B1", tier="tier1", priority="P3",
                        intent="start_failure", summary="Säule startet nicht.", problem=f"lang-{language}",
                        language=language)
    with runtime.sessions() as session, session.begin():
        return open_ticket(session, draft, now=utcnow()).id


def test_the_ticket_stores_the_language_and_its_json_carries_it(app: Flask, agents: Runtime) -> None:
    german, unknown = _ticket(agents, "de"), _ticket(agents, None)
    with agents.sessions() as session:
        assert ticket_json(get_ticket(session, german))["language"] == "de"
        assert ticket_json(get_ticket(session, unknown))["language"] is None


def test_the_ticket_page_names_the_drivers_language(app: Flask, agents: Runtime) -> None:
    page = logged_in(app, "tina").get(f"/agent/tickets/{_ticket(agents, 'de')}").text
    assert '<span id="language" title="the driver\'s language: answer in it">German (de)</span>' in page
    older = logged_in(app, "tina").get(f"/agent/tickets/{_ticket(agents, None)}").text
    assert 'id="language"' not in older
