"""STOP / START / HELP as carriers expect them on SMS and WhatsApp."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.channels.models import ChannelOptOut

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
HELP_TEXT = ("ChargeLine charging support. Tell us what is happening at the charger (and its number) "
             "and we will help. Reply STOP to opt out.")


def keyword(body: str) -> str | None:
    """Return 'stop', 'start' or 'help' when the whole message is a carrier keyword."""
    word = body.strip().strip(".!").upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in HELP_WORDS:
        return "help"
    return None


def set_opted_out(factory: sessionmaker[Session], channel: str, contact: str, opted_out: bool, now: datetime) -> None:
    """Record (or clear) an opt-out."""
    with factory() as session, session.begin():
        row = session.get(ChannelOptOut, (channel, contact))
        if opted_out and row is None:
            session.add(ChannelOptOut(channel=channel, contact=contact, opted_out_at=now))
        elif not opted_out and row is not None:
            session.delete(row)


def is_opted_out(factory: sessionmaker[Session], channel: str, contact: str) -> bool:
    """True when the contact sent STOP and not START since."""
    with factory() as session:
        return session.get(ChannelOptOut, (channel, contact)) is not None
