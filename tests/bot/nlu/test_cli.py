"""`chargeline nlu ...` run as a user would, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parent / "data"


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHARGELINE_DATA_DIR": str(tmp_path / "state"), "CHARGELINE_NLU_DATA": str(SAMPLE),
           "CHARGELINE_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "CHARGELINE_LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "bot.cli", "nlu", *args], capture_output=True, text=True,
                          env=env, timeout=120, cwd=tmp_path, check=False)


@pytest.mark.slow
def test_train_parse_and_evaluate(tmp_path: Path) -> None:
    trained = _run(tmp_path, "train")
    assert trained.returncode == 0, trained.stderr
    assert "model trained:" in trained.stdout and "training the intent classifier" in trained.stderr
    assert "already trained" in _run(tmp_path, "train").stdout

    parsed = _run(tmp_path, "parse", "the charger wont start at c p one oh four two")
    payload = json.loads(parsed.stdout)
    assert payload["intent"]["name"] == "start_failure"
    assert payload["entities"][0]["value"] == "CP-1042"

    table = _run(tmp_path, "evaluate", "--data", str(SAMPLE / "nlu.yml"))
    assert "accuracy" in table.stdout and "safety_hazard" in table.stdout

    report = json.loads(_run(tmp_path, "evaluate", "--data", str(SAMPLE / "nlu.yml"), "--json").stdout)
    assert report["n"] == 123 and report["safety_hazard_recall"] == 1.0


@pytest.mark.slow
def test_cross_validation_command(tmp_path: Path) -> None:
    result = _run(tmp_path, "evaluate", "--cv", "2", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["folds"] == 2


def test_bad_data_is_reported_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "nlu.yml").write_text("nlu:\n- intent: greet\n  examples: |\n    hello\n")
    result = _run(tmp_path, "train", "--data", str(bad))
    assert result.returncode == 2
    assert f"{bad / 'nlu.yml'}:4:" in result.stderr
    assert "Traceback" not in result.stderr


def test_evaluate_needs_data_or_cv(tmp_path: Path) -> None:
    result = _run(tmp_path, "evaluate")
    assert result.returncode == 2 and "--data FILE or --cv K" in result.stderr
