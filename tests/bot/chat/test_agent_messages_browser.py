"""A support agent takes over a web chat: the driver's open page shows the agent's words, in a real browser."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.conversation.factory import build_engine
from bot.conversation.models import Conversation
from bot.outbound import build_outbound
from bot.runtime import Runtime
from bot.web import create_app
from handoff.takeover import BACK_TO_BOT, Takeover

WAIT_MS = 15_000


def test_an_agents_reply_appears_on_the_drivers_page(browser: Any, live_server: Any, runtime: Runtime,
                                                     trained_nlu: Any) -> None:
    engine = build_engine(runtime, nlu=trained_nlu, bridge_url="http://127.0.0.1:9", bridge_timeout=2)
    server = live_server(create_app(runtime=runtime, engine=engine))
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{server.url}/chat")
    page.get_by_label("Your message").fill("how do I pay here?")
    page.get_by_role("button", name="Send").click()
    page.locator(".msg.bot").nth(1).wait_for(timeout=WAIT_MS)
    session = page.evaluate("sessionStorage.getItem('chargeline.session.none')")
    with runtime.sessions() as db:
        conversation_id = db.scalar(select(Conversation.id).where(Conversation.channel == "webchat",
                                                                  Conversation.contact == session))
    assert conversation_id

    takeover = Takeover(runtime.sessions, build_outbound(runtime.settings))
    assert takeover.take_over(conversation_id, "Sam").ok
    assert takeover.reply(conversation_id, "Sam", "Hi, I'm Sam from support. Are you at the charger now?").ok

    agent_message = page.locator(".msg.agent")
    agent_message.wait_for(timeout=WAIT_MS)
    assert agent_message.locator(".who").inner_text() == "Sam (support)"
    assert agent_message.inner_text().endswith("Hi, I'm Sam from support. Are you at the charger now?")
    assert page.get_by_text("Sam from support has joined the conversation.").is_visible()
    page.get_by_text("Sam from support is chatting with you.").wait_for(timeout=WAIT_MS)

    # the driver answers: the bot stays quiet and the agent sees it
    bot_count = page.locator(".msg.bot").count()
    page.get_by_label("Your message").fill("yes, at the one by the entrance")
    page.keyboard.press("Enter")
    page.get_by_text("A support agent has your message.").wait_for(timeout=WAIT_MS)
    assert page.locator(".msg.bot").count() == bot_count
    assert takeover.messages_since(conversation_id)[-1]["text"] == "yes, at the one by the entrance"

    takeover.hand_back(conversation_id, "Sam")
    page.get_by_text(BACK_TO_BOT).wait_for(timeout=WAIT_MS)
    assert page.locator(".msg.agent").count() == 1  # each message shown once, however many polls
