"""The packaged knowledge base loads, and a broken file fails naming the file and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge import (
    KnowledgeBase,
    KnowledgeFileError,
    UnknownGuide,
    load_knowledge,
)
from bot.knowledge.loader import INTENTS, OCPP16_ERROR_CODES, PACKAGE_DIR

GOOD_GUIDE = """
guides:
  - id: test-guide
    title: A test guide
    intents: [how_to_start]
    tags: [test]
    chat: Plug in at {charger}.
    sms: Plug in at {charger}.
    voice: Plug in at {charger}.
"""


def test_the_packaged_base_has_at_least_thirty_guides_and_every_error_code(kb: KnowledgeBase) -> None:
    assert len(kb.guides) >= 30
    assert len({g.id for g in kb.guides}) == len(kb.guides)
    for code in OCPP16_ERROR_CODES:
        explanation = kb.error_code(code)
        assert explanation is not None, code
        assert explanation.code == code


def test_the_seed_problems_each_have_a_guide(kb: KnowledgeBase) -> None:
    covered = {intent for guide in kb.guides for intent in guide.intents}
    driver_side = {"how_to_start", "start_failure", "auth_failed", "payment_failed", "how_to_pay", "pricing_info",
                   "connector_help", "cable_stuck", "error_message", "slow_charging", "charging_stopped",
                   "charger_unavailable", "check_status", "billing_dispute", "report_damage", "safety_hazard"}
    assert driver_side <= covered
    assert covered <= INTENTS


def test_every_connector_type_has_a_guide_with_a_drawing(kb: KnowledgeBase) -> None:
    for plug, image in [("CCS2", "ccs2"), ("CHAdeMO", "chademo"), ("Type 2", "type2"), ("Type 1", "type1"),
                        ("NACS", "nacs"), ("CCS1", "ccs1")]:
        guide = next(g for g in kb.guides if g.plug == plug)
        assert guide.image == image
        assert "connector_help" in guide.intents


def test_an_unknown_guide_id_raises_a_key_error(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownGuide) as caught:
        kb.guide("no-such-guide")
    assert isinstance(caught.value, KeyError)
    assert "no-such-guide" in str(caught.value)


def _knowledge_dir(tmp_path: Path, guides: str) -> Path:
    (tmp_path / "guides").mkdir()
    (tmp_path / "guides" / "test.yaml").write_text(guides, encoding="utf-8")
    shutil.copy(PACKAGE_DIR / "error_codes.yaml", tmp_path / "error_codes.yaml")
    return tmp_path


def test_a_custom_folder_loads(tmp_path: Path) -> None:
    kb = load_knowledge(_knowledge_dir(tmp_path, GOOD_GUIDE))
    assert [g.id for g in kb.guides] == ["test-guide"]
    assert kb.guide("test-guide").render("sms").text == "Plug in at the charger."


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (GOOD_GUIDE.replace("    voice: Plug in at {charger}.\n", ""), "guide 'test-guide': field 'voice': missing"),
        (GOOD_GUIDE.replace("chat: Plug in at {charger}.", "chat: Plug in at {charger_name}."),
         "guide 'test-guide': field 'chat': unknown placeholder(s) charger_name"),
        (GOOD_GUIDE.replace("voice: Plug in at {charger}.", "voice: See https://example.org now."),
         "guide 'test-guide': field 'voice': voice text must not contain URLs or symbols"),
        (GOOD_GUIDE.replace("sms: Plug in at {charger}.", "sms: " + "x" * 320),
         "guide 'test-guide': field 'sms': SMS text must be plain ASCII and at most 300 characters"),
        (GOOD_GUIDE.replace("[how_to_start]", "[how_to_strat]"), "field 'intents'"),
        (GOOD_GUIDE.replace("tags: [test]", "tags: [test]\n    picture: ccs2"), "field 'picture': unknown field"),
        (GOOD_GUIDE + GOOD_GUIDE.replace("guides:\n", ""), "field 'id': duplicate"),
        ("guides:\n  - id: [unclosed\n", "test.yaml:3: not valid YAML"),
    ],
    ids=["missing-variant", "unknown-placeholder", "url-in-voice", "long-sms", "bad-intent", "unknown-field",
         "duplicate-id", "bad-yaml"],
)
def test_a_broken_guide_file_names_the_file_and_the_field(tmp_path: Path, broken: str, expected: str) -> None:
    with pytest.raises(KnowledgeFileError) as caught:
        load_knowledge(_knowledge_dir(tmp_path, broken))
    message = str(caught.value)
    assert "test.yaml" in message
    assert expected in message


def test_a_missing_error_code_is_reported(tmp_path: Path) -> None:
    root = _knowledge_dir(tmp_path, GOOD_GUIDE)
    text = (root / "error_codes.yaml").read_text(encoding="utf-8")
    start = text.index("  - code: WeakSignal")
    end = text.index("  - code: EmergencyStopSensor.Active")
    (root / "error_codes.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(KnowledgeFileError, match=r"error_codes.yaml: field 'code': no explanation for WeakSignal"):
        load_knowledge(root)


def test_a_safety_code_that_suggests_a_reset_is_refused(tmp_path: Path) -> None:
    root = _knowledge_dir(tmp_path, GOOD_GUIDE)
    text = (root / "error_codes.yaml").read_text(encoding="utf-8")
    start = text.index("  - code: GroundFailure")
    section = text[start:].replace("reset_may_help: false", "reset_may_help: true", 1)
    (root / "error_codes.yaml").write_text(text[:start] + section, encoding="utf-8")
    with pytest.raises(KnowledgeFileError, match=r"code 'GroundFailure': field 'safety'"):
        load_knowledge(root)
