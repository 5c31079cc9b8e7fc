"""The SLA clock the console shows: first response due or overdue, then stopped at the first answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handoff.sla import SlaClock, sla_clock, span

OPENED = datetime(2026, 11, 15, 10, 0, tzinfo=UTC)
DUE = OPENED + timedelta(minutes=15)  # a P1


def test_durations_read_like_a_stopwatch() -> None:
    assert [span(45), span(163), span(4137), span(-163)] == ["45s", "02m 43s", "1h 08m 57s", "02m 43s"]


def test_an_unanswered_ticket_counts_down_then_is_overdue() -> None:
    before = sla_clock(created_at=OPENED, sla_due=DUE, first_response_at=None, resolved_at=None,
                       now=OPENED + timedelta(minutes=5))
    after = sla_clock(created_at=OPENED, sla_due=DUE, first_response_at=None, resolved_at=None,
                      now=DUE + timedelta(seconds=163))
    assert before == SlaClock("response", "first response due in 10m 00s", False)
    assert after == SlaClock("response", "first response overdue 02m 43s", True)


def test_a_p1_answered_within_a_minute_is_never_overdue() -> None:
    clock = sla_clock(created_at=OPENED, sla_due=DUE, first_response_at=OPENED + timedelta(seconds=50),
                      resolved_at=None, now=DUE + timedelta(seconds=163))
    assert clock == SlaClock("resolution", "answered in 50s; open 17m 43s", False)


def test_a_late_answer_says_how_late_and_resolution_stops_the_clock() -> None:
    late = sla_clock(created_at=OPENED, sla_due=DUE, first_response_at=DUE + timedelta(minutes=2),
                     resolved_at=OPENED + timedelta(hours=1), now=OPENED + timedelta(hours=3))
    assert late == SlaClock("resolved", "answered in 17m 00s (02m 00s late); resolved in 1h 00m 00s", True)


def test_resolving_without_a_message_counts_as_the_first_answer() -> None:
    clock = sla_clock(created_at=OPENED, sla_due=DUE, first_response_at=None,
                      resolved_at=OPENED + timedelta(minutes=3), now=OPENED + timedelta(hours=1))
    assert clock == SlaClock("resolved", "answered in 03m 00s; resolved in 03m 00s", False)
