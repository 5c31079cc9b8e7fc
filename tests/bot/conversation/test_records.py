"""The one transcript line and speaker map behind tickets, the console and the takeover."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.conversation.records import MessageRecord, speaker, transcript_line

AT = datetime(2026, 11, 22, 20, 0, 5)  # naive, as SQLite returns it


def test_each_direction_has_one_speaker_and_an_unknown_one_is_kept() -> None:
    assert [speaker(d) for d in ("in", "out", "agent", "system")] == ["driver", "bot", "agent", "system"]


def test_a_console_line_has_the_id_and_a_z() -> None:
    line = transcript_line(MessageRecord(7, "in", "it won't start", AT, payload={"agent": "Sam"}))
    assert line == {"id": 7, "from": "driver", "text": "it won't start", "at": "2026-11-22T20:00:05Z"}


def test_a_takeover_line_carries_the_agent_and_event_marks() -> None:
    message = MessageRecord(8, "out", "Sam joined.", AT.replace(tzinfo=UTC),
                            payload={"agent": "Sam", "event": "agent_joined", "delivered": True})
    assert transcript_line(message, with_marks=True) == {
        "id": 8, "from": "bot", "text": "Sam joined.", "at": "2026-11-22T20:00:05Z", "agent": "Sam",
        "event": "agent_joined"}


def test_a_ticket_line_has_no_id_and_keeps_its_offset() -> None:
    line = transcript_line(MessageRecord(9, "agent", "On it", AT), with_id=False, zulu=False)
    assert list(line) == ["from", "text", "at"]
    assert line == {"from": "agent", "text": "On it", "at": "2026-11-22T20:00:05+00:00"}
