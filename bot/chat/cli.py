"""`chargeline chat`: talk to the bot in the terminal."""

from __future__ import annotations

import click

from bot.cli.common import fail, settings_or_exit
from bot.errors import ChargeLineError


@click.command("chat")
@click.option("--channel", type=click.Choice(["chat", "sms", "voice"]), default="chat", show_default=True,
              help="Render the bot's answers as this channel would.")
@click.option("--charger", default=None, help="Start about this charger, as the QR code on it does.")
def chat_command(channel: str, charger: str | None) -> None:
    """Talk to the bot in the terminal (uses the configured database and bridge)."""
    from bot.chat.terminal import TerminalChat, run_repl
    from bot.conversation.factory import build_engine
    from bot.runtime import start_runtime

    settings = settings_or_exit()
    try:
        runtime = start_runtime(settings, announce=False)
        click.echo("loading the language model (the first run trains it)...", err=True)
        engine = build_engine(runtime)
    except ChargeLineError as exc:
        fail(str(exc))
    try:
        run_repl(TerminalChat(engine, channel, charger=charger))
    finally:
        runtime.close()


def register(group: click.Group) -> None:
    group.add_command(chat_command)
