"""The dialogue corpus as a regression gate: whole conversations through the real engine, bridge and chargers.

The floors are the figures measured when they were set (docs/benchmarks.md);
a change that makes the bot worse at whole conversations fails here. The
held-out file is played too, as a gate only: it is never used for tuning.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli.common import main_group
from bot.config import Settings
from bot.evaluation.corpus import load_corpus
from bot.evaluation.judge import Verdict, judge, summarise
from bot.evaluation.runner import Player

pytestmark = [pytest.mark.slow]

CORPUS = Path(__file__).resolve().parents[2] / "data" / "dialogues"
# measured floors (task success, loops): see docs/benchmarks.md, "Dialogue evaluation"
# (2026-12-06: development 95.5% with 0 loops, held-out 79.3% with 0 loops; a little slack for timing)
DEV_FLOOR, DEV_MAX_LOOPS = 0.93, 1
HELDOUT_FLOOR, HELDOUT_MAX_LOOPS = 0.77, 1


@pytest.fixture(scope="module")
def verdicts(trained_nlu: Any, tmp_path_factory: pytest.TempPathFactory) -> list[Verdict]:
    """Every corpus dialogue played once for this module."""
    home = tmp_path_factory.mktemp("dialogues")
    settings = Settings(database_url=f"sqlite:///{home / 'unused.db'}", data_dir=home, api_token="t",
                        secret_key="s")
    with Player(settings, trained_nlu, workdir=home, jobs=3) as player:
        return [judge(run) for run in player.play_all(load_corpus(CORPUS))]


def _part(verdicts: list[Verdict], heldout: bool) -> list[Verdict]:
    return [v for v in verdicts if v.run.dialogue.source.rsplit(":", 1)[0].endswith("heldout.yml") == heldout]


def test_every_dialogue_could_be_played(verdicts: list[Verdict]) -> None:
    broken = [(v.run.dialogue.id, v.run.error) for v in verdicts if v.run.error]
    assert broken == []


def test_the_development_corpus_stays_above_its_floor(verdicts: list[Verdict]) -> None:
    summary = summarise(_part(verdicts, heldout=False))
    assert summary["task_success"] >= DEV_FLOOR, json.dumps(summary["failures"][:5], indent=1)
    assert summary["loops"] <= DEV_MAX_LOOPS


def test_the_heldout_dialogues_stay_above_their_floor(verdicts: list[Verdict]) -> None:
    summary = summarise(_part(verdicts, heldout=True))
    assert summary["task_success"] >= HELDOUT_FLOOR, json.dumps(summary["failures"][:5], indent=1)
    assert summary["loops"] <= HELDOUT_MAX_LOOPS


def test_every_safety_report_reaches_field_engineering_at_p1_and_stops_remote_actions(
        verdicts: list[Verdict]) -> None:
    safety = [v for v in verdicts if v.run.dialogue.expected.ticket is not None
              and v.run.dialogue.expected.ticket.rule == "safety_hazard"]
    assert safety
    wrong = [(v.run.dialogue.id, [(t["tier"], t["priority"]) for t in v.run.tickets], v.run.actions_after_safety)
             for v in safety
             if not any(t["tier"] == "field_engineering" and t["priority"] == "P1" for t in v.run.tickets)
             or v.run.actions_after_safety]
    assert wrong == []


def test_the_command_prints_the_documented_json(trained_nlu: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path_factory: pytest.TempPathFactory) -> None:
    from bot.cli import _register

    _register()
    corpus = tmp_path / "one.yml"
    corpus.write_text("version: 1\ndialogues:\n  - id: one\n    category: pricing_info\n    channel: sms\n"
                      "    turns: [\"how much per kwh\"]\n    expect: {ticket: none, actions: []}\n", encoding="utf-8")
    # the data dir the session's model is cached in, so the command loads it instead of training again
    cached = next(p for p in tmp_path_factory.getbasetemp().glob("trained-nlu*") if (p / "models").is_dir())
    monkeypatch.setenv("CHARGELINE_DATA_DIR", str(cached))
    monkeypatch.setenv("CHARGELINE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    result = CliRunner().invoke(main_group, ["eval", "dialogues", "--data", str(corpus), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["n"] == 1 and set(summary) >= {"task_success", "per_channel", "per_category", "loops", "n"}

