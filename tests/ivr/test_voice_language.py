"""A call in German: Twilio's <Say>/<Gather> language, the words around the replies, and the language menu."""

from bot.messages import Choice, Reply
from ivr.languages import greeting, offered, picked
from ivr.voice import VoiceSettings, in_language, render_greeting, render_voice

SETTINGS = VoiceSettings(language="en-GB", agent_queue="support", hints=("Station 12",))
ACTION = "https://cl.example/twilio/voice/turn?n=2&lang=de"
HINTS = "Ladesäule, Säule, Station, Stecker, Ladekarte, Ladekabel, Kabel steckt fest, startet nicht, Mitarbeiter, Typ 2, CCS"


def test_a_german_call_says_and_listens_in_german_with_german_hints_and_keys() -> None:
    reply = Reply(text="Hat es geklappt?", choices=(Choice("Ja", "yes", dtmf="1"), Choice("Nein", "no", dtmf="2")))
    assert render_voice([reply], action_url=ACTION, settings=in_language(SETTINGS, "de")) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Gather action="https://cl.example/twilio/voice/turn?n=2&amp;lang=de" actionOnEmptyResult="true" '
        f'bargeIn="true" finishOnKey="#" hints="{HINTS}, Station 12" input="speech dtmf" language="de-DE" '
        'method="POST" speechTimeout="auto" timeout="6">'
        '<Say language="de-DE">Hat es geklappt? Drücken Sie 1 für Ja, 2 für Nein.</Say>'
        "</Gather></Response>"
    )


def test_a_german_option_is_read_in_german_and_what_to_key_in_too() -> None:
    reply = Reply(text="An welcher Ladesäule sind Sie?", key_in="die Nummer",
                  choices=(Choice("Station 12 again", "charger:CP-1", dtmf="1", spoken="Station 12"),))
    said = render_voice([reply], action_url=ACTION, settings=in_language(SETTINGS, "de"))
    assert ('<Say language="de-DE">An welcher Ladesäule sind Sie? Oder tippen Sie die Nummer ein und drücken Sie '
            'dann die Raute. Für Station 12 drücken Sie 1.</Say>') in said


def test_english_keeps_the_configured_voice_and_hints() -> None:
    assert in_language(SETTINGS, "en") is SETTINGS


def test_a_transfer_in_german_asks_the_caller_to_hold_in_german() -> None:
    settings = in_language(SETTINGS, "de")
    from bot.messages import Handoff

    reply = Reply(text="Ich übergebe Sie jetzt.", handoff=Handoff("T-000001", "tier1", "summary"))
    assert render_voice([reply], action_url=ACTION, settings=settings) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Say language="de-DE">Ich übergebe Sie jetzt.</Say>'
        '<Say language="de-DE">Bitte bleiben Sie dran. Ein Kollege ist gleich für Sie da.</Say>'
        '<Enqueue method="POST">support</Enqueue></Response>'
    )


def test_a_line_that_offers_german_and_english_greets_in_german_and_offers_english_on_2() -> None:
    langs = offered((("+4930123456", ("de", "en")), ("*", ("en",))), "+4930123456")
    assert langs == ("de", "en")
    parts = [(text, in_language(SETTINGS, lang).language) for text, lang in greeting(langs)]
    assert render_greeting(parts, action_url=ACTION, settings=in_language(SETTINGS, "de")).endswith(
        '<Say language="de-DE">Hallo, hier ist der Lade-Support. Sagen Sie mir in wenigen Worten, was an der '
        'Ladesäule los ist. Um jederzeit mit einem Menschen zu sprechen, drücken Sie die Null.</Say>'
        '<Say language="en-GB">For English, press 2.</Say></Gather></Response>')
    assert picked("2", langs) == "en"
    assert picked("1", langs) is None and picked("0", langs) is None


def test_an_english_line_offers_german_with_für_deutsch_drücken_sie_2() -> None:
    langs = offered((("*", ("en", "de")),), "+441234567")
    assert greeting(langs)[1] == ("Für Deutsch drücken Sie 2.", "de")


def test_a_number_without_a_line_and_no_default_is_english_only_and_unknown_languages_are_dropped() -> None:
    assert offered((), "+4930") == ("en",)
    assert offered((("+4930", ("xx", "de")),), "+4930") == ("de",)
