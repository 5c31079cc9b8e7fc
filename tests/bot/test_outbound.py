"""Outbound texts on each channel, over real HTTP to local stand-ins for Twilio's REST API and the Bot API."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.channels.optout import set_opted_out
from bot.channels.twilio_rest import TwilioSender
from bot.config import Settings
from bot.outbound import Delivery, Outbound, build_outbound, mask_contact
from bot.runtime import Runtime
from tests.support.telegram import BotAPIServer
from tests.support.twilio_rest import ACCOUNT_SID, AUTH_TOKEN, TwilioRestServer

DRIVER = "+4915112345678"
OURS = "+4930111222"


def twilio_outbound(server: TwilioRestServer, **kwargs: object) -> Outbound:
    sender = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, api_url=server.url, timeout=5)
    return Outbound(twilio=sender, sms_from=OURS, whatsapp_from="whatsapp:" + OURS, **kwargs)  # type: ignore[arg-type]


def test_sms_and_whatsapp_go_through_twilios_rest_api(twilio_api: TwilioRestServer) -> None:
    outbound = twilio_outbound(twilio_api)
    sms = outbound.send("sms", DRIVER, "Hello from support")
    whatsapp = outbound.send("whatsapp", DRIVER, "Hola")
    assert sms.ok and sms.detail.startswith("sent sid=SM") and whatsapp.ok
    assert [(m["To"], m["From"], m["Body"]) for m in twilio_api.messages] == [
        (DRIVER, OURS, "Hello from support"),
        ("whatsapp:" + DRIVER, "whatsapp:" + OURS, "Hola")]


def test_telegram_goes_through_the_bot_api_built_from_settings(bot_api: BotAPIServer) -> None:
    settings = Settings(database_url="sqlite://", telegram_bot_token=bot_api.token, telegram_api_url=bot_api.url)
    assert build_outbound(settings).send("telegram", "4242", "x" * 5000) == Delivery(True, "sent message_id=1")
    assert bot_api.sent() == [{"chat_id": "4242", "text": "x" * 4096}]  # Telegram's own limit


def test_build_outbound_roots_twilio_at_twilio_api_url(twilio_api: TwilioRestServer) -> None:
    settings = Settings(database_url="sqlite://", twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                        twilio_api_url=twilio_api.url)
    outbound = build_outbound(settings)
    assert outbound.twilio is not None and outbound.telegram is None
    # no sending number is a setting yet: the refusal says so instead of calling Twilio without one
    assert outbound.send("sms", DRIVER, "hi") == Delivery(False, "no sms sending number is configured")
    assert twilio_api.messages == []


def test_failures_come_back_as_a_delivery_never_as_an_exception(twilio_api: TwilioRestServer,
                                                                bot_api: BotAPIServer) -> None:
    twilio_api.failing = True
    refused = twilio_outbound(twilio_api).send("sms", DRIVER, "hi")
    assert refused.ok is False and "Twilio refused the message to +49******678" in refused.detail
    twilio_api.stop()
    unreachable = twilio_outbound(twilio_api).send("sms", DRIVER, "hi")
    assert unreachable.ok is False and unreachable.detail.startswith("Twilio could not be reached")
    bot_api.failing = True
    telegram = Outbound(telegram=build_outbound(Settings(
        database_url="sqlite://", telegram_bot_token=bot_api.token, telegram_api_url=bot_api.url)).telegram)
    assert telegram.send("telegram", "4242", "hi") == Delivery(False, "Bot API sendMessage refused: Bad Gateway")


def test_channels_without_a_text_route(twilio_api: TwilioRestServer) -> None:
    outbound = twilio_outbound(twilio_api)
    assert outbound.send("webchat", "a" * 24, "hi") == Delivery(True, "stored; the web chat fetches it")
    voice = outbound.send("voice", DRIVER, "hi")
    assert voice.ok is False and "transferred" in voice.detail
    assert outbound.send("pigeon", DRIVER, "hi") == Delivery(False, "no outbound route for channel 'pigeon'")
    assert Outbound().send("sms", DRIVER, "hi").ok is False
    assert Outbound().send("telegram", "4242", "hi").ok is False
    assert twilio_api.messages == []


def test_an_opted_out_contact_is_not_texted(runtime: Runtime, twilio_api: TwilioRestServer) -> None:
    outbound = twilio_outbound(twilio_api).with_sessions(runtime.sessions)
    set_opted_out(runtime.sessions, "whatsapp", DRIVER, True, datetime.now(UTC))
    assert outbound.send("whatsapp", DRIVER, "hi") == Delivery(False, "the driver opted out (STOP); not texted")
    assert outbound.send("sms", DRIVER, "hi").ok  # the opt-out was on WhatsApp only
    assert [m["To"] for m in twilio_api.messages] == [DRIVER]


def test_a_reply_can_come_from_the_number_the_driver_wrote_to(twilio_api: TwilioRestServer) -> None:
    outbound = twilio_outbound(twilio_api)
    assert outbound.send("whatsapp", DRIVER, "hi", from_number="whatsapp:+4930999888").ok
    assert outbound.send("sms", DRIVER, "hi", from_number="+4930999888").ok
    assert [m["From"] for m in twilio_api.messages] == ["whatsapp:+4930999888", "+4930999888"]


def test_without_the_opt_out_list_nothing_is_texted_and_nothing_raises(tmp_path, twilio_api: TwilioRestServer) -> None:  # type: ignore[no-untyped-def]
    from bot.db import make_engine, make_session_factory

    no_tables = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))  # a database never migrated
    delivery = twilio_outbound(twilio_api, sessions=no_tables).send("sms", DRIVER, "hi")
    assert not delivery.ok and "opt-out list is unavailable" in delivery.detail
    assert twilio_api.messages == []


def test_contacts_are_masked_for_the_log() -> None:
    assert mask_contact("sms", DRIVER) == "+49******678"
    assert mask_contact("webchat", "abcdefghijklmnop") == "abcdef…"
    assert "4242123" not in mask_contact("telegram", "4242123")
