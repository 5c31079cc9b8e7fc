"""Language detection for one driver message: German or English, and unknown when too short to tell."""

from __future__ import annotations

import pytest

from bot.nlu.language import LanguageDetector, build_profile, detect


@pytest.mark.parametrize("text", [
    "Die Ladesäule startet nicht. Was kann ich tun?", "meine ladekarte wird nicht erkannt",
    "ich bekomme den stecker nicht raus", "aeh die saeule zeigt ausser betrieb", "wie viel kostet die kwh hier",
    "es riecht verbrannt am Stecker", "Säule sieben lädt nur mit elf kilowatt",
])
def test_german_messages_are_german(text: str) -> None:
    detection = detect(text)
    assert detection.language == "de"
    assert detection.confidence >= 0.8


@pytest.mark.parametrize("text", [
    "the charger won't start", "my rfid card is not recognised", "i can't unplug the cable",
    "uh yeah the charger number one oh four two it just says communication error", "how much per kwh here",
])
def test_english_messages_are_english(text: str) -> None:
    assert detect(text).language == "en"


@pytest.mark.parametrize("text", ["ja", "ok", "1", "yes", "nein", "CP-1042", "👍", "", "   "])
def test_short_replies_and_codes_are_unknown(text: str) -> None:
    assert detect(text).language is None


def test_a_new_language_is_data_only() -> None:
    detector = LanguageDetector({
        "en": build_profile(["the charger does not start", "my card is not accepted", "the cable is stuck"]),
        "fr": build_profile(["la borne ne fonctionne pas", "ma carte est refusée", "le câble est bloqué"]),
    })
    assert detector.languages == ("en", "fr")
    assert detector.detect("bonjour la borne ne démarre pas").language == "fr"
    assert detector.detect("hello the charger does not work").language == "en"
