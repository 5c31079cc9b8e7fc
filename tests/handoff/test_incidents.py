"""A network-wide payment outage becomes one platform_ops incident with the contacts linked."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handoff.incidents import (
    active_incident,
    check_network_incident,
    incident_json,
    link_contact,
)
from handoff.models import Incident, Ticket
from handoff.tickets import TicketDraft, open_ticket
from tests.handoff.conftest import NOW

KIND = "network_payment_outage"


def complain(session: Session, charger_id: str, minutes: float = 0, intent: str = "payment_failed", n: int = 0) -> None:
    open_ticket(session, TicketDraft(channel="sms", contact=f"+4917012345{n:02d}", charger_id=charger_id,
                                     intent=intent, tier="tier1", priority="P4",
                                     summary="Card declined at the charger."),
                now=NOW + timedelta(minutes=minutes))


def test_five_chargers_on_two_sites_within_15_minutes_open_one_incident(session: Session) -> None:
    for n, charger in enumerate(["CP-B1", "CP-B2", "CP-B3", "CP-A1"]):
        complain(session, charger, minutes=n * 3, n=n)
    assert check_network_incident(session, NOW + timedelta(minutes=10)) is None
    complain(session, "CP-A2", minutes=12, intent="auth_failed", n=4)
    incident = check_network_incident(session, NOW + timedelta(minutes=12))
    assert incident is not None
    assert (incident.kind, incident.tier, incident.priority, incident.status) == (KIND, "platform_ops", "P1", "open")
    assert session.scalar(select(func.count()).select_from(Ticket).where(Ticket.incident_id == incident.id)) == 5
    session.commit()
    data = incident_json(session, incident)
    assert data["id"].startswith("INC-") and len(data["tickets"]) == 5 and len(data["contacts"]) == 5
    assert {c["contact"] for c in data["contacts"]} >= {"+49******500", "+49******504"}
    assert "5 chargers across 2 sites" in data["summary"]
    assert data["summary"].endswith("Next step: Check the payment provider and the authorisation backend; "
                                    "post a status update.")  # the rule's next_step
    assert active_incident(session, KIND, NOW + timedelta(minutes=13)) == incident


def test_later_complaints_join_the_same_incident(session: Session) -> None:
    for n, charger in enumerate(["CP-B1", "CP-B2", "CP-B3", "CP-A1", "CP-A2"]):
        complain(session, charger, n=n)
    first = check_network_incident(session, NOW)
    complain(session, "CP-M1", minutes=20, n=9)
    again = check_network_incident(session, NOW + timedelta(minutes=20))
    assert again is not None and first is not None and again.id == first.id
    assert session.scalar(select(func.count()).select_from(Incident)) == 1
    link_contact(session, again, channel="voice", contact="+441234567890", charger_id="CP-M1",
                 now=NOW + timedelta(minutes=21))
    assert len(incident_json(session, again)["contacts"]) == 7


def test_four_chargers_are_not_an_outage(session: Session) -> None:
    for n, charger in enumerate(["CP-B1", "CP-B2", "CP-A1", "CP-A2"]):
        complain(session, charger, n=n)
    complain(session, "CP-A2", n=7)  # a second driver on the same charger is not a fifth charger
    assert check_network_incident(session, NOW) is None
    assert active_incident(session, KIND, NOW) is None


def test_five_chargers_on_one_site_are_a_site_problem_not_a_network_one(session: Session) -> None:
    for n, charger in enumerate(["CP-B1", "CP-B2", "CP-B3", "CP-B4", "CP-B5"]):
        complain(session, charger, n=n)
    assert check_network_incident(session, NOW) is None


def test_complaints_spread_over_more_than_15_minutes_do_not_count(session: Session) -> None:
    for n, charger in enumerate(["CP-B1", "CP-B2", "CP-B3", "CP-A1", "CP-A2"]):
        complain(session, charger, minutes=n * 5, n=n)
    assert check_network_incident(session, NOW + timedelta(minutes=20)) is None


def test_other_problems_do_not_make_a_payment_outage(session: Session) -> None:
    for n, charger in enumerate(["CP-B1", "CP-B2", "CP-B3", "CP-A1", "CP-A2"]):
        complain(session, charger, intent="start_failure", n=n)
    assert check_network_incident(session, NOW) is None


def converse(session: Session, conversation_id: str, charger_id: str, intent: str = "payment_failed",
             minutes: float = 0) -> None:
    from bot.conversation.models import Conversation, ConversationMessage

    at = NOW + timedelta(minutes=minutes)
    session.add(Conversation(id=conversation_id, channel="whatsapp", contact="whatsapp:+447700900123", mode="bot",
                             status="open", started_at=at, last_activity_at=at, charger_id=charger_id, state={}))
    session.flush()
    session.add(ConversationMessage(conversation_id=conversation_id, channel="whatsapp", direction="in",
                                    text="card declined", at=at, intent=intent, processed=True, payload={}))


def test_complaints_the_bot_handled_without_tickets_still_reveal_an_outage(session: Session) -> None:
    for n, charger in enumerate(["CP-B1", "CP-B2", "CP-M1", "CP-A1"]):
        converse(session, f"conv-{n}", charger, minutes=n)
    converse(session, "conv-x", "CP-A2", intent="pricing_info")
    assert check_network_incident(session, NOW + timedelta(minutes=5)) is None
    converse(session, "conv-4", "CP-A2", intent="auth_failed", minutes=6)
    incident = check_network_incident(session, NOW + timedelta(minutes=6))
    assert incident is not None
    again = check_network_incident(session, NOW + timedelta(minutes=7))
    assert again is not None and again.id == incident.id
    data = incident_json(session, incident)
    assert data["tickets"] == [] and len(data["contacts"]) == 5  # linked once each, not per check
    assert {c["contact"] for c in data["contacts"]} == {"whatsapp:+44******123"}
    assert "5 chargers across 3 sites" in data["summary"]
