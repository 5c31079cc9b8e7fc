"""Tickets: what they hold, deduplication, escalation, SLA due times, listing and resolution."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.models import OutboxEvent
from handoff.sla import SlaPolicy
from handoff.tickets import (
    TicketDraft,
    UnknownTicket,
    append_to_ticket,
    get_ticket,
    list_tickets,
    open_ticket,
    resolve_ticket,
    ticket_json,
)
from tests.handoff.conftest import NOW


def draft(**changes: object) -> TicketDraft:
    base = dict(
        channel="sms", contact="+491701234789", charger_id="CP-B1", connector_id=1, intent="start_failure",
        nlu_confidence=0.93, tier="tier2", priority="P2", rule="repeated_failed_sessions",
        summary="Third failed start on CP-B1 in an hour; the charger answers but never starts.",
        charger_snapshot={"online": True, "last_heartbeat": NOW - timedelta(minutes=1), "connectors": []},
        actions=[{"action": "Reset", "params": {"type": "Soft"}, "result": "Accepted", "verified": False,
                  "at": NOW}],
        transcript=[{"from": "driver", "text": "charger wont start", "at": NOW},
                    {"from": "bot", "text": "I am passing this to a colleague.", "at": NOW}],
        suggested_next_step="Check the charger's logs for the failed starts.", conversation_id="c1",
    )
    base.update(changes)
    return TicketDraft(**base)  # type: ignore[arg-type]


def test_a_ticket_holds_the_facts_an_agent_needs_with_the_contact_masked(session: Session) -> None:
    ref = open_ticket(session, draft(), now=NOW)
    session.commit()
    data = ticket_json(get_ticket(session, ref.id))  # type: ignore[arg-type]
    assert ref.created and ref.id == data["id"]
    assert data["id"].startswith("T-") and len(data["id"]) == 8
    assert data["contact"] == "+49******789"
    assert "+491701234789" not in str(data)
    assert (data["site_id"], data["site_type"]) == ("berlin-depot", "fleet_depot")  # from the fleet
    assert (data["status"], data["channel"], data["charger_id"], data["connector_id"]) == ("open", "sms", "CP-B1", 1)
    assert (data["intent"], data["nlu_confidence"], data["tier"], data["priority"]) == (
        "start_failure", 0.93, "tier2", "P2")
    assert data["created_at"] == "2026-11-22T21:00:00Z"
    assert data["sla_due"] == "2026-11-22T22:00:00Z"
    assert data["charger_snapshot"]["last_heartbeat"] == "2026-11-22T20:59:00Z"
    assert data["actions"][0]["action"] == "Reset" and data["actions"][0]["at"] == "2026-11-22T21:00:00Z"
    assert [line["from"] for line in data["transcript"]] == ["driver", "bot"]
    assert data["rule"] == "repeated_failed_sessions"
    assert data["suggested_next_step"].startswith("Check")
    assert data["conversation_id"] == "c1" and data["routing_verdict"] is None
    for key in ("id", "created_at", "status", "channel", "contact", "charger_id", "connector_id", "site_id", "intent",
                "nlu_confidence", "tier", "priority", "sla_due", "rule", "summary", "charger_snapshot", "actions",
                "transcript", "suggested_next_step"):
        assert key in data


def test_sla_due_follows_the_priority(session: Session) -> None:
    for n, (priority, minutes) in enumerate([("P1", 15), ("P2", 60), ("P3", 240), ("P4", 1440)]):
        ref = open_ticket(session, draft(priority=priority, charger_id=f"CP-B{n + 1}"), now=NOW)
        assert ref.sla_due == NOW + timedelta(minutes=minutes)
        assert ticket_json(get_ticket(session, ref.id))["sla_due"] == (  # type: ignore[arg-type]
            (NOW + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z"))


def test_a_rule_with_its_own_sla_overrides_the_priority(session: Session) -> None:
    ref = open_ticket(session, draft(), now=NOW, sla=SlaPolicy(rule_minutes={"repeated_failed_sessions": 20}))
    assert ref.sla_due == NOW + timedelta(minutes=20)


def test_the_same_charger_and_problem_appends_to_the_open_ticket(session: Session) -> None:
    first = open_ticket(session, draft(), now=NOW)
    later = NOW + timedelta(minutes=5)
    second = open_ticket(session, draft(contact="+447700900123", channel="whatsapp", conversation_id="c2",
                                        transcript=[{"from": "driver", "text": "CP-B1 dead again", "at": later}]),
                         now=later)
    session.commit()
    assert second.id == first.id and not second.created
    data = ticket_json(get_ticket(session, first.id))  # type: ignore[arg-type]
    assert [line["text"] for line in data["transcript"]] == [
        "charger wont start", "I am passing this to a colleague.", "CP-B1 dead again"]
    assert len(data["actions"]) == 1  # the same action is not listed twice
    assert "+44******123 via whatsapp" in data["notes"][0]["text"]
    assert data["updated_at"] == "2026-11-22T21:05:00Z"
    assert len(list_tickets(session)) == 1


def test_a_higher_priority_escalates_the_open_ticket(session: Session) -> None:
    open_ticket(session, draft(), now=NOW)
    ref = open_ticket(session, draft(priority="P1", tier="field_engineering"), now=NOW + timedelta(minutes=10))
    assert not ref.created
    assert (ref.tier, ref.priority, ref.sla_due) == ("field_engineering", "P1", NOW + timedelta(minutes=25))
    ticket = get_ticket(session, ref.id)
    assert ticket is not None and "escalated from tier2 P2 to field_engineering P1" in ticket.notes[-1]["text"]


def test_a_lower_priority_report_does_not_downgrade_the_ticket(session: Session) -> None:
    open_ticket(session, draft(priority="P1"), now=NOW)
    ref = open_ticket(session, draft(priority="P4", tier="tier1"), now=NOW)
    assert (ref.tier, ref.priority, ref.sla_due) == ("tier2", "P1", NOW + timedelta(minutes=15))


def test_a_different_problem_or_charger_opens_another_ticket(session: Session) -> None:
    first = open_ticket(session, draft(), now=NOW)
    other_problem = open_ticket(session, draft(rule="physical_damage", intent="report_damage"), now=NOW)
    other_charger = open_ticket(session, draft(charger_id="CP-B2"), now=NOW)
    assert other_problem.created and other_charger.created
    assert len({first.id, other_problem.id, other_charger.id}) == 3


def test_without_a_rule_the_intent_is_the_problem(session: Session) -> None:
    first = open_ticket(session, draft(rule=None, intent="billing_dispute"), now=NOW)
    same = open_ticket(session, draft(rule=None, intent="billing_dispute"), now=NOW)
    other = open_ticket(session, draft(rule=None, intent="cable_stuck"), now=NOW)
    assert (same.id, same.created, other.created) == (first.id, False, True)


def test_after_resolution_the_same_problem_opens_a_new_ticket(session: Session) -> None:
    first = open_ticket(session, draft(), now=NOW)
    resolved = resolve_ticket(session, first.id, code="remote_reset", by="agent:anna", routing_verdict="correct",
                              now=NOW + timedelta(minutes=30))
    assert (resolved.status, resolved.resolution_code, resolved.resolved_by) == (
        "resolved", "remote_reset", "agent:anna")
    data = ticket_json(resolved)
    assert (data["resolved_at"], data["routing_verdict"]) == ("2026-11-22T21:30:00Z", "correct")
    again = open_ticket(session, draft(), now=NOW + timedelta(hours=1))
    assert again.created and again.id != first.id


def test_charger_less_contacts_dedupe_only_within_their_conversation(session: Session) -> None:
    a = open_ticket(session, draft(charger_id=None, rule=None, intent="billing_dispute"), now=NOW)
    b = open_ticket(session, draft(charger_id=None, rule=None, intent="billing_dispute"), now=NOW)
    c = open_ticket(session, draft(charger_id=None, rule=None, intent="billing_dispute", conversation_id="c9"), now=NOW)
    d = open_ticket(session, draft(charger_id=None, rule=None, intent="billing_dispute", conversation_id=None), now=NOW)
    e = open_ticket(session, draft(charger_id=None, rule=None, intent="billing_dispute", conversation_id=None), now=NOW)
    assert (b.id, b.created) == (a.id, False)
    assert c.created and d.created and e.created and d.id != e.id
    assert get_ticket(session, d.id).site_id is None  # type: ignore[union-attr]


def test_append_adds_lines_actions_and_a_note(session: Session) -> None:
    ref = open_ticket(session, draft(), now=NOW)
    ticket = append_to_ticket(session, ref.id, transcript=[{"from": "agent", "text": "On it", "at": NOW}],
                              actions=[{"action": "UnlockConnector", "result": "Unlocked"}], note="called back",
                              now=NOW + timedelta(minutes=2))
    assert ticket.transcript[-1]["from"] == "agent"
    assert ticket.actions[-1]["action"] == "UnlockConnector"
    assert ticket.notes[-1] == {"text": "called back", "at": "2026-11-22T21:02:00Z"}


def test_unknown_tickets_and_bad_values_are_clear_errors(session: Session) -> None:
    with pytest.raises(UnknownTicket):
        append_to_ticket(session, "T-999999", note="x")
    with pytest.raises(UnknownTicket):
        resolve_ticket(session, "nonsense", code="x", by="y")
    assert get_ticket(session, "T-12x") is None
    with pytest.raises(ValueError, match="tier"):
        open_ticket(session, draft(tier="tier3"), now=NOW)
    ref = open_ticket(session, draft(), now=NOW)
    with pytest.raises(ValueError, match="routing_verdict"):
        resolve_ticket(session, ref.id, code="x", by="y", routing_verdict="maybe")


def test_listing_filters_and_pages_newest_first(session: Session) -> None:
    refs = [open_ticket(session, draft(charger_id=f"CP-B{n}"), now=NOW + timedelta(minutes=n)).id for n in range(1, 6)]
    open_ticket(session, draft(charger_id="CP-A1", tier="field_engineering", rule="physical_damage"), now=NOW)
    resolve_ticket(session, refs[0], code="fixed", by="me", now=NOW)
    assert [t.ref for t in list_tickets(session, tier="tier2", limit=2)] == [refs[4], refs[3]]
    assert [t.ref for t in list_tickets(session, tier="tier2", before=refs[3])] == [refs[2], refs[1], refs[0]]
    assert [t.ref for t in list_tickets(session, status="resolved")] == [refs[0]]
    assert [t.charger_id for t in list_tickets(session, charger_id="CP-A1")] == ["CP-A1"]
    with pytest.raises(ValueError):
        list_tickets(session, status="closed")
    with pytest.raises(ValueError):
        list_tickets(session, before="yesterday")


def test_every_change_leaves_one_pending_export_with_the_newest_state(session: Session) -> None:
    ref = open_ticket(session, draft(), now=NOW)
    append_to_ticket(session, ref.id, note="more", now=NOW)
    events = session.scalars(select(OutboxEvent)).all()
    assert len(events) == 1 and events[0].event == "created" and events[0].version == 2
    assert '"notes": [{"text": "more"' in events[0].body


def test_simultaneous_reports_of_one_problem_make_one_ticket(fleet) -> None:  # type: ignore[no-untyped-def]
    import threading

    from bot.db import transaction

    start = threading.Barrier(4)
    refs: list[str] = []
    errors: list[BaseException] = []

    def report(n: int) -> None:
        try:
            start.wait(timeout=10)
            with transaction(fleet.sessions) as s:
                refs.append(open_ticket(s, draft(conversation_id=f"c{n}"), now=NOW).id)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=report, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(refs) == 4 and len(set(refs)) == 1
    with fleet.sessions() as s:
        [ticket] = list_tickets(s)
        assert len(ticket.notes) == 3
