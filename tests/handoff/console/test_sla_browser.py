"""The console's SLA clock and navigation in headless Chromium: a P1 answered at once never turns red, the
dashboard leads back to the queue, and tiers, intents and site types read as names, not ids."""

from __future__ import annotations

from datetime import timedelta

from bot.conversation.store import ConversationStore
from bot.messages import InboundMessage
from bot.outbound import build_outbound
from bot.runtime import Runtime
from bot.web import create_app
from handoff.clock import as_utc, utcnow
from handoff.console.agents import add_agent
from handoff.console.events import StreamOptions
from handoff.models import Ticket
from handoff.takeover import Takeover
from handoff.tickets import TicketDraft, open_ticket

from .conftest import PASSWORD

LIVE = 20_000  # ms: a bound, not a sleep; the stream polls every 0.2 s


def _p1_opened_16_minutes_ago(runtime: Runtime) -> tuple[str, str]:
    """A web chat P1 for field engineering whose 15-minute first-response deadline passed a minute ago."""
    opened = utcnow() - timedelta(minutes=16)
    message = InboundMessage(channel="webchat", contact="session-abcdefghijklmnop", text="smoke from the charger!",
                             delivery_id="d-1", received_at=utcnow())
    conversation_id = ConversationStore(runtime.sessions).record_inbound(message, utcnow()).conversation_id
    with runtime.sessions() as session, session.begin():
        draft = TicketDraft(channel="webchat", contact="session-abcdefghijklmnop", charger_id="CP-1042",
                            tier="field_engineering", priority="P1", intent="safety_hazard", site_type="fleet_depot",
                            summary="Smoke from the charger.", conversation_id=conversation_id, problem="smoke",
                            suggested_next_step="Call the driver back now; dispatch field engineering.")
        ref = open_ticket(session, draft, now=opened).id
    return ref, conversation_id


def test_a_p1_answered_in_time_stops_its_clock_and_names_read_as_words(
        browser, live_server, fleet_sqlite_runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    runtime = fleet_sqlite_runtime
    with runtime.sessions() as session, session.begin():
        add_agent(session, "olga", "ops", PASSWORD)
    ref, conversation_id = _p1_opened_16_minutes_ago(runtime)
    app = create_app(runtime=runtime)
    app.config["CONSOLE_STREAM"] = StreamOptions(poll=0.2, keepalive=1.0, max_seconds=60)
    server = live_server(app)

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{server.url}/agent")
    page.get_by_label("Name").fill("olga")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.url}/agent")
    page.locator("#live", has_text="live").wait_for(timeout=LIVE)
    row = page.locator(f'#queue tr[data-id="{ref}"]')
    assert row.locator(".sla").inner_text().startswith("first response overdue 01m ")
    assert "late" in (row.locator(".sla").get_attribute("class") or "")
    assert "Field engineering" in row.inner_text() and "field_engineering" not in row.inner_text()
    assert page.locator(".ticket-id").first.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"

    # an agent answers the driver (the time of the answer is the test's: a minute after the ticket opened)
    with runtime.sessions() as session, session.begin():
        opened = as_utc(session.get(Ticket, int(ref[2:])).created_at)
    takeover = Takeover(runtime.sessions, build_outbound(runtime.settings, runtime.sessions),
                        clock=lambda: opened + timedelta(seconds=50))
    assert takeover.take_over(conversation_id, "olga").ok
    assert takeover.reply(conversation_id, "olga", "Please step away from the charger; an engineer is on the way.").ok

    sla = page.locator(f'#queue tr[data-id="{ref}"] .sla')
    sla.filter(has_text="answered in 50s").wait_for(timeout=LIVE)  # over the event stream, no reload
    assert "late" not in (sla.get_attribute("class") or "")
    assert sla.inner_text().startswith("answered in 50s; open 16m ")

    page.get_by_role("link", name=ref).click()
    page.locator("#ticket .sla", has_text="answered in 50s").wait_for(timeout=LIVE)
    assert page.locator("#next-step").inner_text().startswith("Answer the driver in the chat")
    assert "Field engineering" in page.locator("h1").inner_text()

    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(f"{server.url}/agent/dashboard")
    assert page.locator("header").get_by_role("link", name="Queue").is_visible()
    assert page.get_by_label("Site type").locator("option", has_text="Fleet depot").count() == 1
    page.get_by_role("link", name="Back to the queue").click()
    page.wait_for_url(f"{server.url}/agent")
    assert page.locator(f'#queue tr[data-id="{ref}"]').is_visible()
