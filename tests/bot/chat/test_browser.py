"""The web chat in a real browser, on the real engine: what a driver who scanned the QR code sees."""

from __future__ import annotations

import re

from bot.conversation.factory import build_engine
from bot.runtime import Runtime
from bot.web import create_app


def test_a_driver_scans_the_qr_code_and_gets_help_paying(browser, live_server, fleet_sqlite_runtime: Runtime,
                                                          trained_nlu) -> None:  # type: ignore[no-untyped-def]
    engine = build_engine(fleet_sqlite_runtime, nlu=trained_nlu, bridge_url="http://127.0.0.1:9", bridge_timeout=2)
    server = live_server(create_app(runtime=fleet_sqlite_runtime, engine=engine))
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.goto(f"{server.url}/chat?charger=CP-1042")
    assert page.locator(".about").inner_text() == "About Station 12"  # the label on the charger, not its OCPP id
    page.get_by_label("Your message").fill("how do I pay here? I don't have the app")
    page.get_by_role("button", name="Send").click()
    bot_messages = page.locator(".msg.bot")
    bot_messages.nth(1).wait_for(timeout=15_000)
    answer = bot_messages.nth(1).inner_text()
    assert re.search(r"\b(app|card|contactless|RFID)\b", answer, re.IGNORECASE), answer
    assert page.locator(".msg.driver").inner_text() == "how do I pay here? I don't have the app"
    # the session survives a reload of the page (sessionStorage) and the next turn continues it
    session = page.evaluate("sessionStorage.getItem('chargeline.session.CP-1042')")
    assert session and len(session) >= 16
    page.get_by_label("Your message").fill("thanks, bye")
    page.keyboard.press("Enter")
    bot_messages.nth(2).wait_for(timeout=15_000)
    assert page.evaluate("sessionStorage.getItem('chargeline.session.CP-1042')") == session


def test_buttons_offered_by_the_bot_can_be_pressed(browser, live_server, fleet_sqlite_runtime: Runtime,
                                                    trained_nlu) -> None:  # type: ignore[no-untyped-def]
    engine = build_engine(fleet_sqlite_runtime, nlu=trained_nlu, bridge_url="http://127.0.0.1:9", bridge_timeout=2)
    server = live_server(create_app(runtime=fleet_sqlite_runtime, engine=engine))
    page = browser.new_page()
    page.goto(f"{server.url}/chat")
    page.get_by_label("Your message").fill("hello")
    page.keyboard.press("Enter")
    page.locator(".msg.bot").nth(1).wait_for(timeout=15_000)
    buttons = page.locator("#choices button")
    assert buttons.count() >= 2, page.locator(".msg.bot").nth(1).inner_text()
    title = buttons.first.inner_text()
    buttons.first.click()
    page.locator(".msg.bot").nth(2).wait_for(timeout=15_000)
    assert page.locator(".msg.driver").nth(1).inner_text() == title
