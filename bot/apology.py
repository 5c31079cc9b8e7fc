"""The apology each channel gives when a turn fails, and the one helper that runs a turn and gives it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from bot.logs import mask_phone
from bot.messages import Channel, InboundMessage, Reply, TurnResult

log = logging.getLogger(__name__)

# written: it promises nothing the failure may have prevented (the message may not be stored, no ticket opened)
TEXT = ("Sorry, something went wrong on our side. Please try again in a moment, "
        "or call the number on the charger to reach a person.")
# spoken: the call goes on to a person
VOICE = "Sorry, I'm having trouble right now. I'll put you through to a colleague."

APOLOGIES: Mapping[Channel, str] = {"sms": TEXT, "whatsapp": TEXT, "telegram": TEXT, "webchat": TEXT, "voice": VOICE}
_REPLIES = frozenset(Reply(text=text) for text in APOLOGIES.values())


def apology(channel: Channel) -> Reply:
    """The reply that tells a driver on `channel` that this turn failed."""
    return Reply(text=APOLOGIES[channel])


def is_apology(reply: Reply) -> bool:
    """Whether `reply` is a channel's failed-turn apology."""
    return reply in _REPLIES


def failed(result: TurnResult) -> bool:
    """Whether a turn's replies include the failed-turn apology (its work was not done)."""
    return any(is_apology(r) for r in result.replies)


def failed_turn(channel: Channel) -> TurnResult:
    """What a turn that could not run answers: the channel's apology alone."""
    return TurnResult(conversation_id="", replies=(apology(channel),))


def safe_turn(handle: Callable[[InboundMessage], TurnResult], message: InboundMessage) -> TurnResult:
    """Run one turn; an exception is logged and becomes the channel's apology."""
    try:
        return handle(message)
    except Exception:  # the driver always gets an answer; the cause goes to the log
        log.exception("turn failed channel=%s contact=%s", message.channel, mask_phone(message.contact))
        return failed_turn(message.channel)
