"""The one mapping from ids to the names people read."""

from __future__ import annotations

from handoff.names import human, humans


def test_ids_people_read_have_names() -> None:
    assert [human("tier", "field_engineering"), human("intent", "how_to_pay"), human("site_type", "fleet_depot"),
            human("channel", "webchat"), human("status", "in_progress")] == [
        "Field engineering", "How to pay", "Fleet depot", "Web chat", "In progress"]


def test_an_unknown_id_becomes_plain_words_and_none_a_dash() -> None:
    assert [human("intent", "HOW_TO_WASH"), human("intent", "ev_battery_swap"), human("tier", None)] == [
        "How to wash", "Ev battery swap", "–"]


def test_counts_are_keyed_by_name_and_merged_when_names_meet() -> None:
    assert humans("intent", {"how_to_pay": 3, "unknown": 1}) == {"How to pay": 3, "Not understood": 1}
    assert humans("tier", {"odd_tier": 1, "Odd tier": 2}) == {"Odd tier": 3}
