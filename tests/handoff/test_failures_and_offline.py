"""Recent failures from OCPP history and drivers' reports; offline chargers raise tickets with no caller."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation.models import Conversation, ConversationMessage
from handoff.clock import as_utc
from handoff.history import charger_history, recent_failures
from handoff.offline import sweep_offline
from handoff.rules import load_rules
from handoff.tickets import get_ticket, list_tickets
from ocpp_bridge.models import BridgeNode, ChargerState, ChargingSession, StatusEvent
from tests.handoff.conftest import NOW


def failed_session(session: Session, charger_id: str, minutes_ago: float, outcome: str = "start_failed") -> None:
    session.add(ChargingSession(charger_id=charger_id, connector_id=1, outcome=outcome,
                                started_at=NOW - timedelta(minutes=minutes_ago)))


def driver_report(session: Session, conversation_id: str, charger_id: str, minutes_ago: float,
                  intent: str = "start_failure") -> None:
    at = NOW - timedelta(minutes=minutes_ago)
    session.add(Conversation(id=conversation_id, channel="sms", contact="+491700000001", mode="bot", status="open",
                             started_at=at, last_activity_at=at, charger_id=charger_id, state={}))
    session.flush()
    for offset in (0, 1):  # two messages in one conversation are one report
        session.add(ConversationMessage(conversation_id=conversation_id, channel="sms", direction="in",
                                        text="wont start", at=at + timedelta(minutes=offset), intent=intent,
                                        processed=True, payload={}))


def test_failures_count_ocpp_history_and_unmatched_driver_reports_once_each(session: Session) -> None:
    failed_session(session, "CP-B1", 50)
    failed_session(session, "CP-B1", 20)
    failed_session(session, "CP-B1", 10, outcome="rejected")  # the driver's card, not the charger
    failed_session(session, "CP-B1", 90)  # outside the hour
    failed_session(session, "CP-B2", 5)  # another charger
    driver_report(session, "conv-1", "CP-B1", 18)  # the same event as the failure 20 minutes ago
    driver_report(session, "conv-2", "CP-B1", 35)  # a start the charger never recorded
    driver_report(session, "conv-3", "CP-B1", 30, intent="pricing_info")  # not a failure
    session.commit()
    assert recent_failures(session, "CP-B1", NOW, 60) == 3
    assert recent_failures(session, "CP-B1", NOW, 25) == 1
    assert recent_failures(session, "CP-M1", NOW, 60) == 0


def test_three_failures_reach_the_repeated_failures_rule(session: Session) -> None:
    rules = load_rules(None)
    for minutes in (5, 25, 45):
        failed_session(session, "CP-A1", minutes)
    session.commit()
    count = recent_failures(session, "CP-A1", NOW, rules.failed_sessions_window_minutes)
    from handoff.rules import TurnFacts

    hit = rules.evaluate(TurnFacts(intent="start_failure", charger_id="CP-A1", failed_sessions_recent=count))
    assert hit is not None and hit.tier == "tier2"


def offline(session: Session, charger_id: str, minutes: float) -> None:
    session.add(ChargerState(charger_id=charger_id, online=False, offline_since=NOW - timedelta(minutes=minutes),
                             offline_reason="connection lost", last_heartbeat=NOW - timedelta(minutes=minutes + 1)))


def test_a_charger_offline_past_the_threshold_gets_a_tier2_ticket_without_a_caller(session: Session) -> None:
    offline(session, "CP-B1", 40)
    offline(session, "CP-B2", 10)  # not yet
    session.add(ChargerState(charger_id="CP-B3", online=True, offline_since=NOW - timedelta(hours=5)))
    session.commit()
    rules = load_rules(None)
    refs = sweep_offline(session, NOW, rules)
    assert [(r.tier, r.priority, r.created) for r in refs] == [("tier2", "P2", True)]
    ticket = get_ticket(session, refs[0].id)
    assert ticket is not None
    assert (ticket.charger_id, ticket.channel, ticket.rule, ticket.site_id) == (
        "CP-B1", "monitoring", "charger_offline", "berlin-depot")
    assert "offline for 40 minutes" in ticket.summary
    assert ticket.charger_snapshot is not None and ticket.charger_snapshot["offline_reason"] == "connection lost"
    assert sweep_offline(session, NOW + timedelta(minutes=1), rules) == []  # nothing new to say


def test_still_offline_later_the_same_ticket_moves_to_field_engineering(session: Session) -> None:
    offline(session, "CP-B1", 40)
    session.commit()
    rules = load_rules(None)
    first = sweep_offline(session, NOW, rules)[0]
    later = sweep_offline(session, NOW + timedelta(minutes=115), rules)
    assert [(r.id, r.created, r.tier, r.priority) for r in later] == [(first.id, False, "field_engineering", "P2")]
    assert len(list_tickets(session)) == 1
    ticket = get_ticket(session, first.id)
    assert ticket is not None and ticket.rule == "charger_offline_unresolved"
    assert ticket.suggested_next_step.startswith("Send a technician")


def status(session: Session, charger_id: str, minutes_ago: float, value: str, connector_id: int = 1) -> None:
    session.add(StatusEvent(charger_id=charger_id, kind="status", connector_id=connector_id, status=value,
                            at=NOW - timedelta(minutes=minutes_ago)))


def test_starts_the_charger_never_began_count_as_failures(session: Session) -> None:
    for minutes in (40, 25, 10):  # plugged in, the car did not answer, back to Available: no session at all
        status(session, "CP-B1", minutes, "Preparing")
        status(session, "CP-B1", minutes - 1, "Available")
    status(session, "CP-B1", 8, "Preparing", connector_id=2)  # a session began: not a failure
    failed_session(session, "CP-B1", 7.9, outcome="completed")
    status(session, "CP-B1", 7, "Charging", connector_id=2)
    status(session, "CP-B1", 6, "Preparing", connector_id=2)  # a rejected card has its own row, counted apart
    failed_session(session, "CP-B1", 5.5, outcome="rejected")
    status(session, "CP-B1", 5, "Available", connector_id=2)
    session.commit()
    assert recent_failures(session, "CP-B1", NOW, 60) == 3
    assert charger_history(session, "CP-B1", NOW, 60) == {
        "failed_sessions_recent": 3, "rejected_sessions_recent": 1, "offline_spells_recent": 0}


def test_offline_spells_are_the_disconnections_within_the_window(session: Session) -> None:
    for minutes in (50, 30, 10, 70):
        session.add(StatusEvent(charger_id="CP-B2", kind="offline", info="connection lost",
                                at=NOW - timedelta(minutes=minutes)))
    session.add(StatusEvent(charger_id="CP-B2", kind="online", at=NOW - timedelta(minutes=5)))
    session.commit()
    assert charger_history(session, "CP-B2", NOW, 60)["offline_spells_recent"] == 3
    assert charger_history(session, "CP-B2", NOW, 20)["offline_spells_recent"] == 1


def served(session: Session, charger_id: str, node_id: str, last_seen_minutes: float) -> None:
    session.add(ChargerState(charger_id=charger_id, online=True, node_id=node_id, protocol="ocpp1.6",
                             online_since=NOW - timedelta(hours=3), last_seen=NOW - timedelta(minutes=last_seen_minutes)))


def test_chargers_of_a_bridge_node_that_stopped_renewing_its_lease_go_offline_and_get_a_ticket(
        session: Session) -> None:
    died = NOW - timedelta(minutes=45)
    session.add(BridgeNode(node_id="killed", started_at=NOW - timedelta(hours=3), renewed_at=died,
                           expires_at=died + timedelta(seconds=90)))
    session.add(BridgeNode(node_id="alive", started_at=NOW - timedelta(hours=3), renewed_at=NOW - timedelta(seconds=10),
                           expires_at=NOW + timedelta(seconds=80)))
    served(session, "CP-B1", "killed", 46)
    served(session, "CP-B2", "alive", 4)
    served(session, "CP-B3", "from-before-leases", 2)  # a node that never held a lease, heard from lately
    served(session, "CP-B4", "from-before-leases", 20)  # ... and one silent past the legacy window
    session.commit()
    refs = sweep_offline(session, NOW, load_rules(None))
    session.commit()
    states = {s.charger_id: s for s in session.scalars(select(ChargerState))}
    assert {cid: s.online for cid, s in states.items()} == {"CP-B1": False, "CP-B2": True, "CP-B3": True,
                                                             "CP-B4": False}
    assert as_utc(states["CP-B1"].offline_since) == died  # since the node was last known alive
    assert states["CP-B1"].offline_reason == "bridge node killed stopped (lease expired)"
    events = session.scalars(select(StatusEvent).where(StatusEvent.kind == "offline").order_by(StatusEvent.charger_id))
    assert [(e.charger_id, e.info) for e in events] == [
        ("CP-B1", "bridge node killed stopped (lease expired)"),
        ("CP-B4", "bridge node from-before-leases stopped (lease expired)")]
    assert [(r.tier, r.created) for r in refs] == [("tier2", True)]
    ticket = get_ticket(session, refs[0].id)
    assert ticket is not None and (ticket.charger_id, ticket.rule) == ("CP-B1", "charger_offline")
    assert "offline for 45 minutes" in ticket.summary
    assert sweep_offline(session, NOW + timedelta(minutes=1), load_rules(None)) == []  # swept once
