"""Features: what the classifier sees of a message."""

from __future__ import annotations

from bot.nlu.features import featurise


def test_capitalised_words_after_the_first_mark_a_name() -> None:
    feats = featurise("at Gretna Green", [])
    assert feats["s:name"] == 1
    assert feats["s:names"] == 1


def test_a_capitalised_first_word_alone_is_not_a_name() -> None:
    feats = featurise("Station is dead", [])
    assert "s:name" not in feats


def test_a_letter_digit_code_is_marked() -> None:
    assert featurise("Schiphol P3", [])["s:code"] == 1
    assert "s:code" not in featurise("number 3", [])


def test_a_text_without_letters_is_marked() -> None:
    assert featurise("?? 🙃", [])["s:noletters"] == 1
    assert "s:noletters" not in featurise("help?", [])
