"""A terminal conversation with the bot, shown as the chosen channel would show it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.chat.render import render_call, render_terminal, render_texts
from bot.chat.twilio_play import PhoneCall, TextThread
from bot.errors import ChargeLineError
from bot.messages import Choice, InboundMessage

_KEYPAD = re.compile(r"^[0-9*#]+$")


class Conversation(Protocol):
    """One side of a terminal conversation: what to say first, and the answer to each typed line."""

    intro: str
    takes_silence: bool  # an empty line means something (a caller saying nothing)

    @property
    def ended(self) -> bool:
        """Whether the conversation is over (the call ended)."""

    def opening(self) -> str:
        """What the bot says before the driver types anything ("" for nothing)."""

    def say(self, line: str) -> str:
        """Send one typed line; return the answer as the channel shows it."""


class TerminalChat:
    """The web chat through the engine in this process; a number picks one of the last offered choices."""

    intro = "Talking to ChargeLine as the web chat. Type 'quit' to stop; a number picks an option."
    takes_silence = False
    ended = False

    def __init__(self, engine: Any, *, charger: str | None = None, contact: str | None = None) -> None:
        self.engine = engine
        self.contact = contact or f"terminal-{uuid.uuid4().hex[:12]}"
        self.charger = charger
        self.choices: tuple[Choice, ...] = ()

    def opening(self) -> str:
        return ""

    def say(self, line: str) -> str:
        button = None
        stripped = line.strip()
        if stripped.isdigit() and self.choices and 1 <= int(stripped) <= len(self.choices):
            choice = self.choices[int(stripped) - 1]
            button, stripped = choice.payload, choice.title
        message = InboundMessage(
            channel="webchat", contact=self.contact, text=stripped, delivery_id=uuid.uuid4().hex,
            received_at=datetime.now(UTC), charger_hint=self.charger, button=button,
        )
        self.charger = None  # the deep link counts for the first message only
        result = self.engine.handle(message)
        if result.agent_mode:
            return "(a support agent has the conversation; they will answer you)"
        self.choices = result.replies[-1].choices if result.replies else ()
        return render_terminal(result.replies)


class TextingChat:
    """A driver texting by SMS or WhatsApp: each line a signed `/twilio/sms` webhook, the TwiML's messages shown."""

    takes_silence = False
    ended = False

    def __init__(self, thread: TextThread) -> None:
        self.thread = thread
        self.sms = not thread.sender.startswith("whatsapp:")
        kind = "SMS" if self.sms else "WhatsApp"
        self.intro = (f"Texting ChargeLine by {kind} from {thread.sender.removeprefix('whatsapp:')}: the answers "
                      "are what the driver's phone shows. Type 'quit' to stop; reply with a number to pick an option.")

    def opening(self) -> str:
        return ""

    def say(self, line: str) -> str:
        return render_texts(self.thread.send(line.strip()), sms=self.sms)


class CallingChat:
    """A caller on the phone line, played as Twilio plays the IVR's TwiML."""

    intro = ("Calling ChargeLine. Type what you would say; digits (and * or #) are keypad presses; an empty line "
             "is silence; 'quit' hangs up.")
    takes_silence = True

    def __init__(self, call: PhoneCall) -> None:
        self.call = call

    @property
    def ended(self) -> bool:
        return self.call.ended

    def opening(self) -> str:
        return render_call(self.call.start())

    def say(self, line: str) -> str:
        stripped = line.strip()
        if not stripped:
            return render_call(self.call.silence())
        if _KEYPAD.match(stripped):
            return render_call(self.call.press(stripped))
        return render_call(self.call.say(stripped))


def run_repl(chat: Conversation, read: Callable[[str], str] = input, write: Callable[[str], None] = print) -> bool:
    """Read lines until EOF, 'quit', Ctrl-C or the end of the call; False if the conversation could not start."""
    write(chat.intro)
    try:
        opening = chat.opening()
    except ChargeLineError as exc:
        write(f"error: {exc}")
        return False
    if opening:
        write(opening)
    while not chat.ended:
        try:
            line = read("you> ")
        except (EOFError, KeyboardInterrupt):
            write("")
            return True
        if line.strip().lower() in ("quit", "exit"):
            return True
        if not line.strip() and not chat.takes_silence:
            continue
        try:
            write(chat.say(line))
        except ChargeLineError as exc:  # the web process refused or is gone: say why, keep the terminal
            write(f"error: {exc}")
    return True
