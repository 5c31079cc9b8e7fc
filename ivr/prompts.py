"""Fixed prompts of the phone line, written for the ear: short, one idea each."""

from bot.apology import VOICE

GREETING = ("Hello, this is charging support. In a few words, tell me what is happening at the charger. "
            "To talk to a person at any time, press zero.")
REPROMPTS = (
    "Sorry, I didn't catch that. Please tell me what is happening, or type the number on the charger's sticker, "
    "then press hash.",
    "I still didn't hear anything. Please say what the problem is, or press zero for a person.",
)
NO_INPUT_TRANSFER = "I can't hear you, so I'll put you through to a colleague."
TRANSFER_APOLOGY = VOICE  # the voice channel's apology: one wording for every failure on the phone
HOLD = "One moment while I check the charger."
HOLD_AGAIN = "Still working on it. Thanks for waiting."
HOLD_TOO_LONG = "This is taking longer than it should, so I'll put you through to a colleague."
WHISPER_UNKNOWN = "Incoming support call. The ticket details are in the console."


def spell(ticket_id: str) -> str:
    """Read a ticket id digit by digit: T-000123 -> 'T, 1, 2, 3'."""
    digits = ticket_id.removeprefix("T-").lstrip("0") or "0"
    return "T, " + ", ".join(digits)


def whisper(ticket_id: str, tier: str, priority: str, summary: str) -> str:
    """What the agent hears before the caller is connected."""
    return f"Support call, {priority}, {tier.replace('_', ' ')}. Ticket {spell(ticket_id)}. {summary}"


def callback(ticket_id: str, texted: bool) -> str:
    """Said to the caller when no agent answered."""
    text = "Sorry, no one is free to take your call right now. A colleague will call you back as soon as possible."
    if ticket_id and texted:
        text += f" I've sent you a text message with your ticket number, {spell(ticket_id)}."
    elif ticket_id:
        text += f" Your ticket number is {spell(ticket_id)}."
    return text + " Goodbye."


def callback_sms(ticket_id: str) -> str:
    """The text sent after an unanswered transfer."""
    return (f"Charging support: your ticket is {ticket_id}. A colleague will call you back as soon as possible. "
            "Reply here to add details.")
