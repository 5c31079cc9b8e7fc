"""The model cache: keyed by a hash of data + config, retrained when the data changes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from bot.errors import NLUUnavailable
from bot.nlu import load_engine, load_model
from bot.nlu.engine import BuiltinEngine
from bot.nlu.model import Model
from bot.nlu.store import cached_model, model_path

SAMPLE = Path(__file__).parent / "data"


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "nlu_data"
    shutil.copytree(SAMPLE, target)
    return target


def _settings(tmp_path: Path, data: Path) -> Settings:
    return Settings(data_dir=tmp_path / "state", nlu_data_dir=data)


def test_model_round_trips_through_a_file(sample_model: Model, tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    sample_model.save(path)
    loaded = BuiltinEngine(load_model(path))
    text = "my rfid card is not recognised at CP-1042"
    assert loaded.parse(text) == BuiltinEngine(sample_model).parse(text)


def test_second_load_uses_the_cache_and_changed_data_retrains(tmp_path: Path, data_copy: Path) -> None:
    settings = _settings(tmp_path, data_copy)
    _, first, trained = cached_model(settings)
    assert trained and first.is_file()
    _, again, trained_again = cached_model(settings)
    assert (again, trained_again) == (first, False)
    with (data_copy / "nlu.yml").open("a") as fh:
        fh.write("- intent: greet\n  examples: |\n    - howdy partner\n")
    _, changed, retrained = cached_model(settings)
    assert retrained and changed != first
    assert load_engine(settings).parse("howdy partner").intent == "greet"


def test_config_change_changes_the_cache_key(tmp_path: Path, data_copy: Path) -> None:
    settings = _settings(tmp_path, data_copy)
    before = model_path(settings)
    (data_copy / "chargeline.yml").write_text("chargeline_nlu:\n  fallback_threshold: 0.2\n")
    assert model_path(settings) != before


def test_without_a_model_and_without_training_the_engine_is_unavailable(tmp_path: Path, data_copy: Path) -> None:
    with pytest.raises(NLUUnavailable, match="chargeline nlu train"):
        load_engine(_settings(tmp_path, data_copy), train_if_missing=False)


def test_a_typo_in_engine_settings_is_refused(tmp_path: Path, data_copy: Path) -> None:
    (data_copy / "chargeline.yml").write_text("chargeline_nlu:\n  fallback_treshold: 0.2\n")
    with pytest.raises(NLUUnavailable, match="fallback_treshold"):
        load_engine(_settings(tmp_path, data_copy))


def test_a_parsing_process_never_imports_sklearn_or_scipy(tmp_path: Path, data_copy: Path) -> None:
    cached_model(_settings(tmp_path, data_copy))
    script = (
        "import sys\nfrom pathlib import Path\nfrom bot.config import Settings\nfrom bot.nlu import load_engine\n"
        f"s = Settings(data_dir=Path({str(tmp_path / 'state')!r}), "
        f"nlu_data_dir=Path({str(data_copy)!r}))\n"
        "print(load_engine(s, train_if_missing=False).parse('hello').intent)\n"
        "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["greet", "[]"]
