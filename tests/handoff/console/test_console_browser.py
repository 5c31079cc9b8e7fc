"""The agent console in headless Chromium: a driver's chat turns into a ticket that appears live in the queue;
the agent opens it, takes over, replies (the driver reads it on the web chat page), and hands back."""

from __future__ import annotations

from bot.conversation.factory import build_engine
from bot.runtime import Runtime
from bot.web import create_app
from handoff.console.agents import add_agent
from handoff.console.events import StreamOptions

from .conftest import PASSWORD

LIVE = 20_000  # ms: a bound, not a sleep; the stream polls every 0.2 s and the web chat every 2 s


def test_an_agent_sees_a_new_ticket_live_takes_over_replies_and_hands_back(
        browser, live_server, fleet_sqlite_runtime: Runtime, trained_nlu) -> None:  # type: ignore[no-untyped-def]
    runtime = fleet_sqlite_runtime
    with runtime.sessions() as session, session.begin():
        add_agent(session, "tina", "tier1", PASSWORD)
    engine = build_engine(runtime, nlu=trained_nlu, bridge_url="http://127.0.0.1:9", bridge_timeout=2)
    app = create_app(runtime=runtime, engine=engine)
    app.config["CONSOLE_STREAM"] = StreamOptions(poll=0.2, keepalive=1.0, max_seconds=60)
    server = live_server(app)

    agent = browser.new_context().new_page()
    agent.goto(f"{server.url}/agent")
    assert agent.url.endswith("/agent/login?next=/agent")
    agent.get_by_label("Name").fill("tina")
    agent.get_by_label("Password").fill(PASSWORD)
    agent.get_by_role("button", name="Log in").click()
    agent.wait_for_url(f"{server.url}/agent")
    agent.locator("#live", has_text="live").wait_for(timeout=LIVE)
    assert agent.locator("#queue tbody tr").count() == 0

    driver = browser.new_context().new_page()  # another person: no shared cookies
    driver.goto(f"{server.url}/chat?charger=CP-1042")
    driver.get_by_label("Your message").fill("I want to speak to a real person please")
    driver.get_by_role("button", name="Send").click()
    driver.locator(".msg.bot").nth(1).wait_for(timeout=LIVE)

    row = agent.locator("#queue tbody tr").first
    row.wait_for(timeout=LIVE)  # arrived over the event stream, no reload
    assert "CP-1042" in row.inner_text()
    assert agent.locator(".sla").first.inner_text().startswith("first response due in ")
    row.get_by_role("link").click()
    agent.locator("#transcript", has_text="real person").wait_for(timeout=LIVE)
    agent.get_by_role("button", name="Take over the chat").click()
    agent.locator("#chat-state", has_text="tina has this chat").wait_for(timeout=LIVE)

    agent.get_by_label("Reply").fill("Hello, this is Tina. Which connector are you on?")
    agent.get_by_role("button", name="Send").click()
    agent.locator("#reply-status", has_text="Sent.").wait_for(timeout=LIVE)
    driver.locator(".msg", has_text="Which connector are you on?").wait_for(timeout=LIVE)

    driver.get_by_label("Your message").fill("The left one, number 1")
    driver.get_by_role("button", name="Send").click()
    agent.locator("#transcript .msg.driver", has_text="The left one, number 1").wait_for(timeout=LIVE)

    agent.get_by_role("button", name="Hand back to the bot").click()
    agent.locator(".flash", has_text="Handed back to the bot.").wait_for(timeout=LIVE)
    driver.locator(".msg", has_text="back with the ChargeLine assistant").wait_for(timeout=LIVE)
