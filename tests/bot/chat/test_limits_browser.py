"""The web chat page when the server says "too fast" (429): a clear sentence, the words kept, Send waits."""

from __future__ import annotations

from typing import Any

from bot.channels.ratelimit import ContactRateLimiter
from bot.conversation.factory import build_engine
from bot.runtime import Runtime
from bot.web import create_app


def test_a_driver_writing_too_fast_is_told_to_wait_and_keeps_the_words(
        browser: Any, live_server: Any, fleet_sqlite_runtime: Runtime, trained_nlu: Any) -> None:
    engine = build_engine(fleet_sqlite_runtime, nlu=trained_nlu, bridge_url="http://127.0.0.1:9", bridge_timeout=2)
    frozen = ContactRateLimiter(1, 30.0, clock=lambda: 0.0)  # one message per chat, and time stands still
    server = live_server(create_app(runtime=fleet_sqlite_runtime, engine=engine, webchat_session_limiter=frozen))
    page = browser.new_page()
    page.goto(f"{server.url}/chat")
    box, bot = page.get_by_label("Your message"), page.locator(".msg.bot")
    for n, text in enumerate(("hello", "my car won't charge")):  # the first opens the chat, the second counts
        box.fill(text)
        box.press("Enter")
        bot.nth(n + 1).wait_for(timeout=15_000)
    box.fill("hello?? anyone")
    box.press("Enter")
    notice = page.locator(".msg.notice").last
    notice.wait_for(timeout=15_000)
    assert notice.inner_text() == ("You are sending messages very fast. Please wait 30 seconds, "
                                   "then send your message again.")
    assert box.input_value() == "hello?? anyone"  # nothing to retype
    assert page.get_by_role("button", name="Send").is_disabled()
    assert page.locator("#status").inner_text().startswith("You can send again in ")
    assert page.locator(".msg.driver.unsent").inner_text() == "hello?? anyone"
