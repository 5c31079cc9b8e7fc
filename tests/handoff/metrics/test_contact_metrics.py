"""Deflection, first-contact resolution, contact volume and time to remote recovery on hand-built contacts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from handoff.metrics import (
    Filters,
    Window,
    contact_volume,
    contacts,
    deflection,
    first_contact_resolution,
    outcomes_by_channel,
    time_to_remote_recovery,
)

NOW = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
WEEK = Window(NOW - timedelta(days=7), NOW)
DAY1 = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def _five_contacts(rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    # A: how to pay, answered by the bot; the same driver comes back 10 h later (D)
    rows.conversation(DAY1, contact="+4915550000001", messages=[("in", "greet", 0), ("out", None, 1),
                                                                 ("in", "how_to_pay", 20), ("out", None, 21)])
    # B: start failure, ticket still open
    b = rows.conversation(DAY1 + timedelta(hours=1), contact="+4915550000002", charger_id="CP-A1",
                          messages=[("in", "start_failure", 0)])
    rows.ticket(DAY1 + timedelta(hours=1, minutes=2), conversation_id=b, charger_id="CP-A1", site_type="highway")
    # C: web chat, an agent answered in the chat; no ticket
    rows.conversation(DAY1 + timedelta(hours=14, minutes=30), channel="webchat", contact="s-3",
                      messages=[("in", "request_human", 0), ("agent", None, 60)])
    # D: the driver of A again (a repeat contact for A); deflected
    rows.conversation(DAY1 + timedelta(hours=10), contact="+4915550000001",
                      messages=[("in", "charger_unavailable", 0)])
    # E: linked by ref to a ticket an agent resolved before the conversation ended
    resolved = rows.ticket(DAY1 - timedelta(days=1), resolved=DAY1 + timedelta(hours=2, minutes=5))
    rows.conversation(DAY1 + timedelta(hours=2), contact="+4915550000005", ticket_ref=resolved.ref,
                      messages=[("in", "billing_dispute", 0)])
    # not a contact: the bot spoke, the driver never did
    rows.conversation(DAY1 + timedelta(hours=3), contact="+4915550000006", messages=[("out", None, 0)])
    # outside the window
    rows.conversation(NOW - timedelta(days=8), contact="+4915550000007")
    session.commit()


def test_deflection_counts_contacts_no_human_touched(rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    _five_contacts(rows, session)
    items = contacts(session, WEEK)
    assert len(items) == 5
    rate = deflection(items)
    # A and D: no ticket, no agent message
    assert (rate.numerator, rate.denominator) == (2, 5)


def test_first_contact_resolution_excludes_open_tickets_and_repeat_contacts(rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    _five_contacts(rows, session)
    rate = first_contact_resolution(session, contacts(session, WEEK))
    # A came back within 48 h, B's ticket is open; C, D and E needed nothing more
    assert (rate.numerator, rate.denominator, rate.value) == (3, 5, 0.6)


def test_a_call_hung_up_mid_flow_is_not_resolved_at_first_contact(rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    rows.conversation(DAY1, channel="voice", contact="+4915550000011", outcome="abandoned",
                      messages=[("in", "start_failure", 0), ("out", None, 1)])
    rows.conversation(DAY1, channel="voice", contact="+4915550000012", outcome="resolved_by_bot",
                      messages=[("in", "start_failure", 0), ("out", None, 1)])
    session.commit()
    rate = first_contact_resolution(session, contacts(session, WEEK))
    assert (rate.numerator, rate.denominator) == (1, 2)


def test_contact_volume_by_intent_channel_site_type_and_hour(rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    _five_contacts(rows, session)
    volume = contact_volume(contacts(session, WEEK))
    # A's problem is how_to_pay (the greeting is skipped)
    assert volume["by_intent"] == {"how_to_pay": 1, "start_failure": 1, "request_human": 1,
                                   "charger_unavailable": 1, "billing_dispute": 1}
    assert volume["by_channel"] == {"sms": 4, "webchat": 1}
    assert volume["by_site_type"] == {"fleet_depot": 4, "highway": 1}
    assert {h: n for h, n in volume["by_hour"].items() if n} == {"09": 1, "10": 1, "11": 1, "19": 1, "23": 1}


def test_filters_narrow_contacts_to_a_site_type_or_channel(rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    _five_contacts(rows, session)
    assert len(contacts(session, WEEK, Filters(site_type="highway"))) == 1
    assert len(contacts(session, WEEK, Filters(channel="webchat"))) == 1
    assert contacts(session, WEEK, Filters(site_type="street")) == []


def test_time_to_remote_recovery_runs_from_first_message_to_available(rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    one = rows.conversation(DAY1, messages=[("in", "greet", 10), ("in", "start_failure", 30)])
    rows.status(DAY1 - timedelta(hours=1), status="Faulted")
    rows.command(DAY1 + timedelta(seconds=60), requested_by=f"bot:{one}", verified=True)
    rows.status(DAY1 + timedelta(seconds=100), status="Available")  # 90 s after the first message
    two = rows.conversation(DAY1 + timedelta(hours=5), charger_id="CP-A1", messages=[("in", "cable_stuck", 0)])
    rows.command(DAY1 + timedelta(hours=5, seconds=30), charger_id="CP-A1", requested_by=f"bot:{two}",
                 verified=True, action="UnlockConnector")  # no status history: the command's time counts (30 s)
    three = rows.conversation(DAY1 + timedelta(hours=6), messages=[("in", "start_failure", 0)])
    rows.command(DAY1 + timedelta(hours=6, seconds=20), requested_by=f"bot:{three}", verified=False)
    session.commit()

    result = time_to_remote_recovery(session, contacts(session, WEEK))

    assert result == {"n": 2, "median_s": 60.0, "p90_s": 90.0}


def test_no_contacts_give_no_rates(session: Session) -> None:
    items = contacts(session, WEEK)
    assert items == []
    assert deflection(items).value is None
    assert first_contact_resolution(session, items).to_json() == {"numerator": 0, "denominator": 0, "value": None}
    assert time_to_remote_recovery(session, items) == {"n": 0, "median_s": None, "p90_s": None}


def test_outcomes_are_counted_per_channel_with_the_bot_resolution_rate(rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    for n, (channel, outcome) in enumerate([("voice", "resolved_by_bot"), ("voice", "abandoned"),
                                            ("voice", "transferred"), ("sms", "resolved_by_bot"),
                                            ("sms", None), ("sms", "expired")]):
        rows.conversation(DAY1, channel=channel, contact=f"+49155500001{n:02d}", outcome=outcome)
    session.commit()
    result = outcomes_by_channel(contacts(session, WEEK))
    assert result["voice"]["outcomes"] == {"resolved_by_bot": 1, "abandoned": 1, "transferred": 1}
    assert result["sms"]["outcomes"] == {"resolved_by_bot": 1, "open": 1, "expired": 1}
    assert (result["voice"]["bot_resolved"]["numerator"], result["voice"]["bot_resolved"]["denominator"]) == (1, 3)
    assert result["sms"]["bot_resolved"]["denominator"] == 2  # the open conversation has not ended yet
