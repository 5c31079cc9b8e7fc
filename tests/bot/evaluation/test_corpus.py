"""The dialogue corpus format: what loads, and every problem named with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation.corpus import CorpusError, TicketExpected, load_corpus

CORPUS = Path(__file__).resolve().parents[2] / "data" / "dialogues"

GOOD = """\
version: 1
dialogues:
  - id: sms-one
    category: start_failure
    channel: sms
    charger: CP-3007
    scenario: faulted
    params: {connector: 2}
    turns:
      - "station 7 wont start"
      - text: "yes go ahead"
        expect: {says: [restart], not_says: [colleague]}
    expect:
      ticket: none
      actions: [Reset]
      says: [fault]
  - id: voice-two
    category: vague
    channel: voice
    turns:
      - "uh it doesnt work"
      - press: "1"
    expect:
      ticket: {tier: tier1, priority: P3, rule: no_progress}
      actions: []
      guide: [start-app, start-rfid]
      handoff: true
"""


def write(tmp_path: Path, text: str, name: str = "corpus.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads_with_its_turns_and_expectations(tmp_path: Path) -> None:
    first, second = load_corpus(write(tmp_path, GOOD))
    assert (first.id, first.channel, first.charger, first.scenario, first.params) == (
        "sms-one", "sms", "CP-3007", "faulted", {"connector": 2})
    assert [t.text for t in first.turns] == ["station 7 wont start", "yes go ahead"]
    assert (first.turns[1].says, first.turns[1].not_says) == (("restart",), ("colleague",))
    assert (first.expected.ticket, first.expected.actions, first.expected.says) == (None, ("Reset",), ("fault",))
    assert second.expected.ticket == TicketExpected("tier1", "P3", "no_progress")
    assert (second.turns[1].press, second.expected.guides, second.expected.handoff) == (
        "1", ("start-app", "start-rfid"), True)
    assert first.source.endswith("corpus.yml:3")


def test_every_problem_is_named_with_its_line(tmp_path: Path) -> None:
    broken = GOOD.replace("scenario: faulted", "scenario: exploded").replace("channel: voice", "channel: fax") \
        .replace("      actions: []\n", "").replace("tier: tier1", "tier: tier9")
    with pytest.raises(CorpusError) as caught:
        load_corpus(write(tmp_path, broken))
    problems = "\n".join(caught.value.problems)
    assert "corpus.yml:7: unknown scenario 'exploded'" in problems
    assert "corpus.yml:19: channel must be one of" in problems
    assert "expect.actions is required" in problems
    assert "corpus.yml:24: tier must be one of" in problems


def test_an_id_used_twice_across_files_is_refused(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yml")
    write(tmp_path, GOOD.replace("voice-two", "voice-three"), "b.yml")
    with pytest.raises(CorpusError, match="id 'sms-one' is used twice"):
        load_corpus(tmp_path)


def test_a_scenario_that_needs_a_charger_says_so(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="scenario 'faulted' needs the charger"):
        load_corpus(write(tmp_path, GOOD.replace("    charger: CP-3007\n", "")))


def test_the_project_corpus_is_valid_and_big_enough() -> None:
    dialogues = load_corpus(CORPUS)
    heldout = [d for d in dialogues if d.source.rsplit(":", 1)[0].endswith("heldout.yml")]
    assert len(dialogues) >= 250
    assert len(heldout) * 4 >= len(dialogues)
    assert {d.channel for d in dialogues} == {"sms", "whatsapp", "voice", "webchat", "telegram"}


def test_a_parameter_the_scenario_does_not_have_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="scenario 'faulted' has no parameter conector"):
        load_corpus(write(tmp_path, GOOD.replace("params: {connector: 2}", "params: {conector: 2}")))
