"""One engine for several languages: the detected language picks the model, else the hint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import Settings
from bot.nlu import MultilingualEngine, load_engine
from bot.nlu.model import Model
from bot.nlu.train import train

SAMPLE = Path(__file__).parent / "data"
SAMPLE_DE = Path(__file__).parent / "data_de"


@pytest.fixture(scope="module")
def german_model() -> Model:
    model = train(SAMPLE_DE)
    model.language = "de"
    return model


@pytest.fixture(scope="module")
def router(sample_model: Model, german_model: Model) -> MultilingualEngine:
    return MultilingualEngine.from_models({"en": sample_model, "de": german_model})


def test_a_german_message_is_read_by_the_german_model(router: MultilingualEngine) -> None:
    result = router.parse("die Ladesäule Nummer sieben startet nicht")
    assert (result.language, result.detected_language, result.intent) == ("de", "de", "start_failure")
    assert result.entity("charger_id") is not None and result.entity("charger_id").value == "Station 7"


def test_an_english_message_is_read_by_the_english_model(router: MultilingualEngine) -> None:
    result = router.parse("i cant unplug the cable")
    assert (result.language, result.detected_language, result.intent) == ("en", "en", "cable_stuck")


def test_a_short_reply_follows_the_hint_and_stays_undetected(router: MultilingualEngine) -> None:
    result = router.parse("ja", language="de")
    assert (result.language, result.detected_language, result.intent) == ("de", None, "affirm")
    assert router.parse("ok", language="en").language == "en"


def test_a_confident_detection_beats_the_hint(router: MultilingualEngine) -> None:
    assert router.parse("the charger won't start at all", language="de").language == "en"


def test_the_safety_net_works_whatever_the_model(router: MultilingualEngine) -> None:
    assert router.parse("es riecht verbrannt", language="en").intent == "safety_hazard"
    assert router.parse("smoke!!", language="de").intent == "safety_hazard"


def test_parse_output_names_the_language(router: MultilingualEngine) -> None:
    payload = router.parse("ich bekomme den stecker nicht raus").to_dict()
    assert payload["language"]["name"] == "de" and payload["language"]["detected"] == "de"
    assert payload["language"]["confidence"] >= 0.8


def test_load_engine_loads_a_model_per_language_folder(tmp_path: Path) -> None:
    data = tmp_path / "nlu_data"
    shutil.copytree(SAMPLE, data)
    shutil.copytree(SAMPLE_DE, data / "de")
    (data / "de" / "config.yml").write_text("language: de\n")
    engine = load_engine(Settings(data_dir=tmp_path / "state", nlu_data_dir=data), language="de")
    assert isinstance(engine, MultilingualEngine)
    assert engine.languages == ("en", "de")
    assert engine.parse("ja").language == "de"  # the default when nothing tells
    assert engine.parse("hello").intent == "greet"
    assert sorted(p.name.split("-")[1] for p in (tmp_path / "state" / "models").glob("nlu-*.npz")) == ["de", "en"]


def test_a_language_folder_can_learn_from_the_root_examples(tmp_path: Path) -> None:
    from bot.nlu.train import data_hash

    data = tmp_path / "nlu_data"
    shutil.copytree(SAMPLE, data)
    shutil.copytree(SAMPLE_DE, data / "de")
    (data / "de" / "config.yml").write_text("language: de\n")
    alone = data_hash(data / "de")
    (data / "de" / "chargeline.yml").write_text("chargeline_nlu:\n  with_root_examples: true\n")
    before = data_hash(data / "de")
    with (data / "nlu.yml").open("a") as fh:
        fh.write("- intent: greet\n  examples: |\n    - howdy partner\n")
    assert len({alone, before, data_hash(data / "de")}) == 3
    model = train(data / "de")
    assert model.language == "de" and "pricing_info" in model.intents  # an intent only the root's data has
    assert "w:howdy" not in model.profile  # the language profile is the folder's own
