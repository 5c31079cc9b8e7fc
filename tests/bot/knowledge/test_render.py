"""Every guide renders in chat, SMS and voice, for known and unknown chargers, within each channel's limits."""

from __future__ import annotations

import re

import pytest

from bot.knowledge import KnowledgeBase
from bot.knowledge.placeholders import spoken_number

from .conftest import CONTEXTS, EMPTY, HUB, STATION_8, STATION_12

VOICE_FORBIDDEN = re.compile(r"[*#/\\<>&_{}\[\]|~^@]|https?:|www\.|\.svg", re.IGNORECASE)


@pytest.mark.parametrize("context_name", sorted(CONTEXTS))
def test_every_guide_renders_in_every_style_without_leftover_placeholders(kb: KnowledgeBase,
                                                                          context_name: str) -> None:
    context = CONTEXTS[context_name]
    for guide in kb.guides:
        for style in ("chat", "sms", "voice"):
            rendered = guide.render(style, context)
            assert rendered.text.strip(), (guide.id, style)
            assert "{" not in rendered.text and "}" not in rendered.text, (guide.id, style, rendered.text)
            assert "None" not in rendered.text, (guide.id, style)
            assert "  " not in rendered.text, (guide.id, style)
            assert rendered.link_path is not None and rendered.link_path.startswith(f"/kb/{guide.id}")


@pytest.mark.parametrize("context_name", sorted(CONTEXTS))
def test_sms_texts_fit_two_segments_in_plain_ascii(kb: KnowledgeBase, context_name: str) -> None:
    for guide in kb.guides:
        text = guide.render("sms", CONTEXTS[context_name]).text
        assert 20 <= len(text) <= 300, (guide.id, len(text))
        assert text.isascii(), guide.id  # a non-GSM character would shrink a segment to 70 characters
        assert "\n" not in text, guide.id


@pytest.mark.parametrize("context_name", sorted(CONTEXTS))
def test_voice_texts_have_no_urls_or_symbols(kb: KnowledgeBase, context_name: str) -> None:
    for guide in kb.guides:
        rendered = guide.render("voice", CONTEXTS[context_name])
        assert not VOICE_FORBIDDEN.search(rendered.text), (guide.id, rendered.text)
        assert rendered.image_url is None
        assert not re.search(r"\d+\s*%", rendered.text), guide.id


def test_only_chat_carries_the_connector_drawing(kb: KnowledgeBase) -> None:
    guide = kb.guide("plug-ccs2")
    assert guide.render("chat").image_url == "/kb/images/ccs2.svg"
    assert guide.render("sms").image_url is None


def test_the_link_carries_the_charger(kb: KnowledgeBase) -> None:
    assert kb.guide("cable-stuck").render("sms", STATION_12).link_path == "/kb/cable-stuck?charger=CP-1042"
    assert kb.guide("cable-stuck").render("sms").link_path == "/kb/cable-stuck"
    assert kb.guide("cable-stuck").render("sms", HUB).link_path == "/kb/cable-stuck?charger=DE%2AION%2AE123456%2FA"


def test_a_known_charger_lists_its_connectors(kb: KnowledgeBase) -> None:
    chat = kb.guide("start-dc-charger").render("chat", STATION_12).text
    assert "Station 12 has a CCS2 plug (up to 150 kW) and a CHAdeMO plug (up to 50 kW)." in chat
    sms = kb.guide("start-dc-charger").render("sms", STATION_12).text
    assert sms.endswith("Station 12: CCS2 up to 150kW, CHAdeMO up to 50kW.")
    voice = kb.guide("start-dc-charger").render("voice", STATION_12).text
    assert voice.endswith("Station 12 has a C C S two plug, up to one hundred and fifty kilowatts, "
                          "and a Chademo plug, up to fifty kilowatts.")


def test_an_unknown_charger_gets_general_text(kb: KnowledgeBase) -> None:
    for context in (None, EMPTY):
        chat = kb.guide("start-dc-charger").render("chat", context).text
        assert chat.endswith("30 to 60 seconds of \"preparing\" is normal.")
        assert "the charger" in kb.guide("app-authorisation-failed").render("chat", context).text


def test_the_site_s_payment_methods_are_named(kb: KnowledgeBase) -> None:
    chat = kb.guide("roaming-and-emsp").render("chat", STATION_12).text
    assert "This site takes RFID cards and the app, not contactless bank cards." in chat
    assert "Many roaming apps and cards work here" in chat  # the site lists no eMSPs
    chat8 = kb.guide("roaming-and-emsp").render("chat", STATION_8).text
    assert "Apps that work here: Shell Recharge, Plugsurfing." in chat8
    assert "This site takes RFID cards, the app and contactless bank cards." in chat8


def test_contactless_advice_follows_the_site(kb: KnowledgeBase) -> None:
    guide = kb.guide("start-contactless")
    assert "This site does not take contactless bank cards yet, so use RFID cards or the app." in \
        guide.render("chat", STATION_12).text
    assert "Station 8 takes contactless: tap a bank card or phone on the card reader." in \
        guide.render("chat", STATION_8).text
    assert "If the charger's card reader shows the contactless symbol" in guide.render("chat").text


def test_a_plug_guide_says_whether_this_charger_has_that_plug(kb: KnowledgeBase) -> None:
    assert "At Station 12, connector 2 is the CHAdeMO plug (up to 50 kW)." in \
        kb.guide("plug-chademo").render("chat", STATION_12).text
    assert "Station 8 has no CHAdeMO plug; it has a Type 2 plug (up to 22 kW)." in \
        kb.guide("plug-chademo").render("chat", STATION_8).text


def test_an_ac_only_charger_is_called_ac(kb: KnowledgeBase) -> None:
    text = kb.guide("slow-ac-limits").render("sms", STATION_8).text
    assert "Station 8 is AC: up to 22kW, less if your car's onboard charger is smaller." in text


def test_voice_spells_out_labels_with_symbols(kb: KnowledgeBase) -> None:
    voice = kb.guide("slow-why").render("voice", HUB).text
    assert "The fastest plug at DE ION E123456 A gives up to three hundred and fifty kilowatts" in voice


def test_the_safety_guide_is_short_and_names_the_emergency_numbers(kb: KnowledgeBase) -> None:
    guide = kb.guide("safety")
    chat = guide.render("chat").text
    assert chat.startswith("Step away from the charger and the car now. Do not touch")
    assert all(number in chat for number in ("112", "999", "911"))
    assert len(chat.split()) <= 70
    voice = guide.render("voice").text
    assert "One one two" in voice and "Nine nine nine" in voice and "Nine one one" in voice


def test_an_unknown_style_is_refused(kb: KnowledgeBase) -> None:
    with pytest.raises(ValueError, match="unknown style 'fax'"):
        kb.guide("safety").render("fax")  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "words"), [(0, "zero"), (7, "seven"), (22, "twenty two"), (50, "fifty"),
                                              (150, "one hundred and fifty"), (7.4, "seven point four"),
                                              (350, "three hundred and fifty"), (1200, "1200")])
def test_numbers_are_spoken_as_words(value: float, words: str) -> None:
    assert spoken_number(value) == words
