"""STOP / START / HELP as carriers expect them on SMS and WhatsApp, plus each language's own (STOPP, HILFE).

The carrier words stay as carriers require; a catalogue adds its language's words (`sms.stop_words`,
`sms.start_words`, `sms.help_words` in bot/i18n/<lang>.yml) and HELP is answered in the word's language.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.channels.models import ChannelOptOut
from bot.i18n import DEFAULT, catalogue, languages, t

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
HELP_TEXT = ("ChargeLine charging support. Tell us what is happening at the charger (and its number) "
             "and we will help. Reply STOP to opt out.")  # bot/i18n sms.help in English; help_text() in others


def _word(body: str) -> str:
    return body.strip().strip(".!").upper()


def _language_words(kind: str) -> dict[str, str]:
    """Each catalogue's own words of one kind (stop, start, help), mapped to their language."""
    return {w.upper(): lang for lang in languages() for w in catalogue(lang).get(f"sms.{kind}_words", "").split()}


def keyword(body: str) -> str | None:
    """Return 'stop', 'start' or 'help' when the whole message is a carrier keyword (or a language's own)."""
    word = _word(body)
    if word in STOP_WORDS or word in _language_words("stop"):
        return "stop"
    if word in START_WORDS or word in _language_words("start"):
        return "start"
    if word in HELP_WORDS or word in _language_words("help"):
        return "help"
    return None


def help_text(body: str) -> str:
    """The answer to HELP, in the language of the word sent (HILFE: German; HELP, INFO: English)."""
    return t("sms.help", _language_words("help").get(_word(body), DEFAULT))


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
