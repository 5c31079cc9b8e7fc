"""`chargeline chat`: talk to the bot in the terminal, as a web chat, a texting driver or a caller."""

from __future__ import annotations

import logging
import secrets
import sys
from typing import TYPE_CHECKING

import click

from bot.cli.common import fail, settings_or_exit
from bot.config import Settings
from bot.errors import ChargeLineError
from bot.logs import setup_logging

if TYPE_CHECKING:
    from bot.chat.twilio_play import Twilio
    from bot.runtime import Runtime

TWILIO_CHANNELS = ("sms", "whatsapp", "voice")


@click.command("chat")
@click.option("--channel", type=click.Choice(["chat", *TWILIO_CHANNELS]), default="chat", show_default=True,
              help="Talk as this channel's driver: sms, whatsapp and voice go through the real Twilio webhooks.")
@click.option("--charger", default=None, help="Start about this charger, as the QR code on it does (web chat).")
@click.option("--url", default=None, metavar="URL",
              help="Post the sms/whatsapp/voice webhooks to this running web process (e.g. http://127.0.0.1:8000), "
                   "signed with TWILIO_AUTH_TOKEN; default: a web app inside this command.")
@click.option("--from", "sender", default=None, metavar="NUMBER",
              help="The driver's phone number for sms/whatsapp/voice (default: a fictional +447700900xxx).")
def chat_command(channel: str, charger: str | None, url: str | None, sender: str | None) -> None:
    """Talk to the bot in the terminal (uses the configured database and bridge)."""
    settings = settings_or_exit()
    # the conversation owns the terminal: only warnings and errors reach stderr
    setup_logging(max(settings.log_level, "WARNING", key=logging.getLevelName), settings.log_format)
    if channel == "chat":
        if url:
            fail("--url is for --channel sms, whatsapp or voice (the web chat is at URL/chat in a browser)")
        _chat(settings, charger)
        return
    if charger:
        fail("--charger is the web chat's deep link; on sms, whatsapp and voice, name the charger as a driver would")
    number = sender or f"+447700900{secrets.randbelow(1000):03d}"
    if url:
        if not settings.twilio_auth_token:
            fail("--url needs TWILIO_AUTH_TOKEN: the token of the web process at that URL (the demo prints it)")
        _play(channel, number, _http(url, settings))
        return
    runtime, twilio = _local_app(settings)
    try:
        _play(channel, number, twilio)
    finally:
        runtime.close()


def _chat(settings: Settings, charger: str | None) -> None:
    from bot.chat.terminal import TerminalChat, run_repl
    from bot.conversation.factory import build_engine
    from bot.runtime import start_runtime

    try:
        runtime = start_runtime(settings, announce=False)
        click.echo("loading the language model (the first run trains it)...", err=True)
        engine = build_engine(runtime)
    except ChargeLineError as exc:
        fail(str(exc))
    try:
        run_repl(TerminalChat(engine, charger=charger))
    finally:
        runtime.close()


def _http(url: str, settings: Settings) -> Twilio:
    from bot.chat.twilio_play import HttpTransport, Twilio

    return Twilio(HttpTransport(url), settings.twilio_auth_token or "", settings.public_url)


def _local_app(settings: Settings) -> tuple[Runtime, Twilio]:
    """A runtime and the web app in this process, with a Twilio token of their own and no way to text out."""
    from bot.chat.twilio_play import AppTransport, Twilio
    from bot.conversation.factory import build_engine
    from bot.runtime import start_runtime
    from bot.web import create_app

    token = settings.twilio_auth_token or secrets.token_urlsafe(24)
    # no account SID: answers stay in the webhook's TwiML, none is sent through Twilio's REST API
    local = settings.replace(twilio_auth_token=token, twilio_account_sid=None)
    try:
        runtime = start_runtime(local, announce=False)
        click.echo("loading the language model (the first run trains it)...", err=True)
        engine = build_engine(runtime)
    except ChargeLineError as exc:
        fail(str(exc))
    app = create_app(runtime=runtime, engine=engine)
    return runtime, Twilio(AppTransport(app), token, runtime.settings.public_url)


def _play(channel: str, number: str, twilio: Twilio) -> None:
    from bot.chat.terminal import CallingChat, TextingChat, run_repl
    from bot.chat.twilio_play import PhoneCall, TextThread

    if channel == "voice":
        started = run_repl(CallingChat(PhoneCall(twilio, caller=number)))
    else:
        started = run_repl(TextingChat(TextThread(twilio, f"whatsapp:{number}" if channel == "whatsapp" else number)))
    if not started:
        sys.exit(1)


def register(group: click.Group) -> None:
    group.add_command(chat_command)
