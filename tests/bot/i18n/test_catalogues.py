"""Message catalogues: lookup with English fallback, the check that lists what a language lacks, guides in German."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import bot.i18n as i18n
from bot.i18n import missing, normalise, t
from bot.i18n.cli import i18n_group
from bot.knowledge import load_knowledge
from bot.knowledge.translations import translated


@pytest.fixture
def catalogues(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A catalogue folder of our own: English has two texts, French one of them."""
    (tmp_path / "en.yml").write_text('greet:\n  hello: "Hello {name}"\n  bye: "Goodbye"\n', encoding="utf-8")
    (tmp_path / "fr.yml").write_text('greet:\n  hello: "Bonjour {name}"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOGUES", tmp_path)
    i18n.catalogue.cache_clear()
    yield tmp_path
    i18n.catalogue.cache_clear()


def test_a_text_is_looked_up_in_the_language_and_filled(catalogues: Path) -> None:
    assert t("greet.hello", "fr", name="Anne") == "Bonjour Anne"


def test_a_missing_translation_falls_back_to_english(catalogues: Path) -> None:
    assert t("greet.bye", "fr") == "Goodbye"
    assert t("greet.bye", "nl") == "Goodbye"  # no catalogue at all: English


def test_a_new_language_is_a_file_and_its_tags_are_normalised(catalogues: Path) -> None:
    assert i18n.languages() == ("en", "fr")
    assert normalise("fr-BE") == "fr" and normalise("FR_fr") == "fr" and normalise("nl") is None


def test_the_check_lists_the_missing_key_and_fails(catalogues: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.i18n.cli._guides", lambda: None)
    assert missing() == {"fr": ["greet.bye"]}
    result = CliRunner().invoke(i18n_group, ["check"])
    assert result.exit_code == 1
    assert result.output == "en: 2 texts, complete\nfr: 1 texts, 1 missing (said in English), 0 with other placeholders\n" \
                            "  missing greet.bye\n"


def test_the_check_names_a_translation_whose_placeholders_differ(catalogues: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.i18n.cli._guides", lambda: None)
    (catalogues / "fr.yml").write_text('greet:\n  hello: "Bonjour {nom}"\n  bye: "Au revoir"\n', encoding="utf-8")
    result = CliRunner().invoke(i18n_group, ["check"])
    assert result.exit_code == 1
    assert "  placeholders greet.hello: has ['nom'], English has ['name']\n" in result.output


def test_the_shipped_catalogues_are_complete() -> None:
    i18n.catalogue.cache_clear()
    result = CliRunner().invoke(i18n_group, ["check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("en: ") and "\nde: " in result.output and "de guides: " in result.output


def test_the_most_used_guides_are_in_german_and_others_stay_english() -> None:
    guides = {g.id: g for g in load_knowledge().guides}
    for guide_id in ("plug-or-authorise-first", "start-rfid", "start-app", "which-plug", "cable-stuck", "safety",
                     "pay-by-app"):
        german = translated(guides[guide_id], "de")
        assert german.title != guides[guide_id].title and german.intents == guides[guide_id].intents
        assert german.render("sms").text != guides[guide_id].render("sms").text
    assert translated(guides["idle-fees"], "de") is guides["idle-fees"]
    assert translated(guides["cable-stuck"], "en") is guides["cable-stuck"]
    assert translated(guides["cable-stuck"], "de").render("sms").text.startswith("Kabel steckt fest: 1) Auto")
