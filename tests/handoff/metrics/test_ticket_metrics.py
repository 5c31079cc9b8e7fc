"""Repeat incidents, escalation accuracy, SLA attainment and post-intervention uptime on hand-built rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from handoff.metrics import (
    Filters,
    Window,
    escalation_accuracy,
    post_intervention_uptime,
    repeat_incidents,
    sla_attainment,
)

NOW = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
WEEK = Window(NOW - timedelta(days=7), NOW)


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


def test_a_repeat_incident_follows_a_resolved_one_on_the_same_charger(rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    rows.ticket(days_ago(10), charger_id="CP-B1", resolved=days_ago(9))  # before the window, but its fix counts
    rows.ticket(days_ago(5), charger_id="CP-B1")  # 4 days after that fix: a repeat
    rows.ticket(days_ago(4), charger_id="CP-B1", intent="billing_dispute")  # not a charger fault
    rows.ticket(days_ago(3), charger_id="CP-A1", intent="cable_stuck", resolved=days_ago(2.5), site_type="highway")
    rows.ticket(days_ago(1), charger_id="CP-A1", intent="safety_hazard", site_type="highway")  # repeat
    rows.ticket(days_ago(2), charger_id=None, intent="start_failure")  # no charger: not an incident of one
    session.commit()

    result = repeat_incidents(session, WEEK)

    assert result["rate"] == {"numerator": 2, "denominator": 3, "value": pytest.approx(2 / 3)}
    assert result["by_charger"] == [{"charger_id": "CP-A1", "tickets": 2, "repeats": 1},
                                    {"charger_id": "CP-B1", "tickets": 1, "repeats": 1}]
    assert repeat_incidents(session, WEEK, Filters(site_type="highway"))["rate"]["denominator"] == 2


def test_escalation_accuracy_counts_only_judged_tickets(rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    rows.ticket(days_ago(3), tier="tier1", resolved=days_ago(2), verdict="correct")
    rows.ticket(days_ago(3), tier="tier1", resolved=days_ago(2), verdict="wrong")
    rows.ticket(days_ago(2), tier="tier2", resolved=days_ago(1), verdict="correct")
    rows.ticket(days_ago(2), tier="field_engineering", resolved=days_ago(1))  # no verdict given
    rows.ticket(days_ago(9), tier="tier2", resolved=days_ago(8), verdict="wrong")  # before the window
    session.commit()

    result = escalation_accuracy(session, WEEK)

    assert result["overall"]["numerator"] == 2 and result["overall"]["denominator"] == 3
    assert result["by_tier"] == {"tier1": {"numerator": 1, "denominator": 2, "value": 0.5},
                                 "tier2": {"numerator": 1, "denominator": 1, "value": 1.0}}


def test_sla_attainment_per_tier_counts_the_first_human_answer_by_the_due_time(rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    opened = days_ago(1)
    rows.ticket(opened, tier="tier1", sla_minutes=240, resolved=opened + timedelta(hours=1))  # met
    rows.ticket(opened, tier="tier1", sla_minutes=240, resolved=opened + timedelta(hours=5))  # late
    rows.ticket(opened, tier="tier1", sla_minutes=240)  # still open, overdue
    rows.ticket(NOW - timedelta(minutes=10), tier="tier1", sla_minutes=240)  # open, not due yet: undecided
    rows.ticket(opened, tier="field_engineering", priority="P1", sla_minutes=15,
                resolved=opened + timedelta(minutes=14))  # met
    answered = rows.ticket(opened, tier="tier2", sla_minutes=60)
    answered.notes = [{"text": "on it", "by": "sam", "at": (opened + timedelta(minutes=30)).isoformat()}]  # met
    unsigned = rows.ticket(opened, tier="tier2", sla_minutes=60)
    unsigned.notes = [{"text": "Linked to incident INC-000001", "at": (opened + timedelta(minutes=5)).isoformat()}]
    chat = rows.conversation(opened, channel="webchat", contact="s-9", messages=[("in", "request_human", 0),
                                                                                  ("agent", None, 7200)])
    rows.ticket(opened, tier="tier2", sla_minutes=60, conversation_id=chat)  # the agent wrote after 2 h: late
    session.commit()

    result = sla_attainment(session, WEEK, now=NOW)

    assert result == {"field_engineering": {"numerator": 1, "denominator": 1, "value": 1.0},
                      "tier1": {"numerator": 1, "denominator": 3, "value": pytest.approx(1 / 3)},
                      "tier2": {"numerator": 1, "denominator": 3, "value": pytest.approx(1 / 3)}}


def test_uptime_before_and_after_an_intervention_from_status_history(rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    t = days_ago(4)
    rows.status(days_ago(10), "online")
    rows.status(days_ago(10), status="Available")
    rows.status(t - timedelta(days=1), status="Faulted")  # down the last of the 3 days before: 2/3 up
    rows.command(t, action="Reset")
    rows.command(t + timedelta(minutes=30), action="Reset")  # the same intervention
    rows.command(t + timedelta(hours=2), status="Rejected")  # the charger refused: no intervention
    rows.status(t + timedelta(hours=6), status="Available")  # down 6 of the 72 hours after: 11/12 up
    rows.status(t + timedelta(days=2), "offline", connector_id=None)
    rows.status(t + timedelta(days=2), "online", connector_id=None)  # an offline blip of no length
    session.commit()

    result = post_intervention_uptime(session, WEEK, now=NOW)

    assert result["n"] == 1
    assert result["before"] == pytest.approx(2 / 3)
    assert result["after"] == pytest.approx(11 / 12)
    assert post_intervention_uptime(session, WEEK, Filters(site_type="highway"), now=NOW)["n"] == 0


def test_uptime_after_is_cut_at_now_and_unknown_history_is_left_out(rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    t = NOW - timedelta(days=1)
    rows.status(t - timedelta(days=1), "online", charger_id="CP-A1")  # nothing known before that
    rows.status(t - timedelta(hours=12), "offline", charger_id="CP-A1", connector_id=None)
    rows.ticket(days_ago(3), charger_id="CP-A1", resolved=t, site_type="highway")
    rows.status(t + timedelta(hours=6), "online", charger_id="CP-A1", connector_id=None)
    session.commit()

    result = post_intervention_uptime(session, WEEK, now=NOW)

    # before: 12 h up of the 24 h known; after: 18 h up of the 24 h until now
    assert (result["n"], result["before"], result["after"]) == (1, 0.5, 0.75)
