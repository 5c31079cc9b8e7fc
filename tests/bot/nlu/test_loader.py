"""Reading Rasa NLU YAML: offsets of inline entities, synonyms, regexes, lookups, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.loader import NLUDataError, load_data, parse_example

SAMPLE = Path(__file__).parent / "data"


def test_inline_entities_get_offsets_in_the_plain_text() -> None:
    text, entities = parse_example("display says [ground fault](error_text) on [CP-2001](charger_id)")
    assert text == "display says ground fault on CP-2001"
    assert [(e.entity, text[e.start:e.end], e.value) for e in entities] == [
        ("error_text", "ground fault", "ground fault"), ("charger_id", "CP-2001", "CP-2001")]


def test_json_annotation_carries_the_canonical_value() -> None:
    text, entities = parse_example('is this [type 2]{"entity": "connector_type", "value": "Type 2"} ok')
    assert text == "is this type 2 ok"
    assert (entities[0].entity, entities[0].start, entities[0].end, entities[0].value) == (
        "connector_type", 8, 14, "Type 2")


def test_sample_folder_loads_examples_synonyms_regexes_and_lookups() -> None:
    data = load_data(SAMPLE)
    assert len(data.intents) == 24
    assert data.synonyms["combo"] == "CCS2"
    assert data.synonyms["tesla plug"] == "NACS"
    assert data.regexes["charger_id"] == [r"\bCP-\d{3,5}\b"]
    assert "Plugsurfing" in data.lookups["emsp"]
    assert all(e.text[a.start:a.end] for e in data.examples for a in e.entities)


def test_files_in_subfolders_are_read_and_config_files_skipped(tmp_path: Path) -> None:
    (tmp_path / "intents").mkdir()
    (tmp_path / "config.yml").write_text("recipe: default.v1\nlanguage: en\n")
    (tmp_path / "intents" / "greet.yml").write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n')
    data = load_data(tmp_path)
    assert [(e.text, e.intent) for e in data.examples] == [("hi", "greet")]


@pytest.mark.parametrize(("content", "line", "words"), [
    ('nlu:\n- intent: greet\n  examples: |\n    - hi\n    hello without dash\n', 5, "must start with '- '"),
    ('nlu:\n- intent: greet\n  examples: |\n    - hi\n    - [broken](\n', 5, "malformed entity annotation"),
    ('nlu:\n- intent: greet\n  examples: |\n    - see [it]{"entity": }\n', 4, "not valid JSON"),
    ('nlu:\n- intent: greet\n', 2, "has no `examples:`"),
    ('nlu:\n- intent: greet\n  examples: [unclosed\n', 4, "invalid YAML"),
    ('nlu:\n- regex: charger_id\n  examples: |\n    - CP-(\\d+\n', 4, "does not compile"),
])
def test_malformed_data_names_file_and_line(tmp_path: Path, content: str, line: int, words: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(content)
    with pytest.raises(NLUDataError) as caught:
        load_data(tmp_path)
    assert f"{path}:{line}:" in str(caught.value)
    assert words in str(caught.value)


def test_every_problem_in_every_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("nlu:\n- intent: a\n")
    (tmp_path / "b.yml").write_text("nlu:\n- intent: b\n")
    with pytest.raises(NLUDataError) as caught:
        load_data(tmp_path)
    assert len(caught.value.problems) == 2
