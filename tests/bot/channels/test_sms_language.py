"""SMS keywords in German beside the carrier ones: STOPP opts out like STOP, HILFE is answered in German."""

from bot.channels.optout import help_text, keyword
from tests.support.engine import RecordingEngine
from tests.support.twilio import TwilioClient, messages_of


def test_stopp_opts_out_like_stop_and_start_opts_back_in(twilio: TwilioClient, engine: RecordingEngine) -> None:
    assert messages_of(twilio.sms("+4915112345789", "STOPP").data) == []
    assert messages_of(twilio.sms("+4915112345789", "START").data) == []
    assert engine.seen == []


def test_hilfe_is_answered_in_german_and_help_in_english(twilio: TwilioClient, engine: RecordingEngine) -> None:
    (german,) = messages_of(twilio.sms("+4915112345789", "Hilfe").data)
    assert german == ("ChargeLine Lade-Support. Schreiben Sie uns, was an der Ladesäule los ist (und ihre Nummer), "
                      "dann helfen wir. Mit STOP melden Sie sich ab.")
    (english,) = messages_of(twilio.sms("+4915112345789", "HELP").data)
    assert english.startswith("ChargeLine charging support.")
    assert engine.seen == []


def test_the_carrier_words_stay_and_a_sentence_is_no_keyword() -> None:
    assert [keyword(w) for w in ("STOP", "stopp!", "UNSUBSCRIBE", "HILFE", "INFO")] == [
        "stop", "stop", "stop", "help", "help"]
    assert keyword("stopp die Ladung") is None
    assert help_text("INFO").startswith("ChargeLine charging support.")
