"""A terminal conversation with the bot, rendered as the chosen channel would show it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.chat.render import render_terminal
from bot.messages import Channel, Choice, InboundMessage

CHANNELS: dict[str, Channel] = {"chat": "webchat", "sms": "sms", "voice": "voice"}


class TerminalChat:
    """Feed typed lines to the engine; a number picks one of the last offered choices."""

    def __init__(self, engine: Any, channel: str, *, charger: str | None = None,
                 contact: str | None = None) -> None:
        self.engine = engine
        self.view = channel
        self.channel = CHANNELS[channel]
        self.contact = contact or f"terminal-{uuid.uuid4().hex[:12]}"
        self.charger = charger
        self.choices: tuple[Choice, ...] = ()

    def say(self, line: str) -> str:
        """Send one line; return what the bot answers, rendered for the channel."""
        button = None
        digits = None
        stripped = line.strip()
        if stripped.isdigit() and self.choices and 1 <= int(stripped) <= len(self.choices):
            choice = self.choices[int(stripped) - 1]
            button, stripped = choice.payload, choice.title
        elif stripped.isdigit() and self.channel == "voice":
            digits = stripped
        message = InboundMessage(
            channel=self.channel, contact=self.contact, text=stripped, delivery_id=uuid.uuid4().hex,
            received_at=datetime.now(UTC), charger_hint=self.charger, button=button, digits=digits,
        )
        self.charger = None  # the deep link counts for the first message only
        result = self.engine.handle(message)
        if result.agent_mode:
            return "(a support agent has the conversation; they will answer you)"
        self.choices = result.replies[-1].choices if result.replies else ()
        return render_terminal(result.replies, self.view)


def run_repl(chat: TerminalChat, read: Callable[[str], str] = input, write: Callable[[str], None] = print) -> None:
    """Read lines until EOF, 'quit' or Ctrl-C."""
    write(f"Talking to ChargeLine as {chat.view}. Type 'quit' to stop; a number picks an option.")
    while True:
        try:
            line = read("you> ")
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if line.strip().lower() in ("quit", "exit"):
            return
        if not line.strip():
            continue
        write(chat.say(line))
