"""A handoff carries the ruleset's SLA, recent failures from the charger's history, and the network incident."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.conversation.adapters import RulesAdapter, TicketsAdapter
from bot.conversation.engine import ConversationEngine
from bot.db import transaction
from bot.messages import InboundMessage, TurnResult
from bot.runtime import Runtime
from handoff.models import Incident, IncidentContact, Ticket
from handoff.rules import DEFAULT_RULES_FILE, load_rules
from ocpp_bridge.models import ChargingSession
from tests.bot.conversation.conftest import T0, Clock
from tests.bot.conversation.fakes import (
    FakeBridge,
    FakeKnowledge,
    FakeNLU,
    FakePolicy,
    connector,
    snapshot,
)


def _rules_file(tmp_path: Path) -> Path:
    """The packaged matrix with its own SLAs, a per-rule SLA, and a network rule that trips on 2 chargers."""
    text = DEFAULT_RULES_FILE.read_text()
    text = text.replace("sla_minutes: {P1: 15, P2: 60, P3: 240, P4: 1440}",
                        "sla_minutes: {P1: 10, P2: 50, P3: 200, P4: 1000}")
    text = text.replace("      - {repeat_reported: true}\n",
                        "      - {repeat_reported: true}\n    sla_minutes: 45\n")
    text = text.replace("chargers_at_least: 5", "chargers_at_least: 2")
    path = tmp_path / "rules.yml"
    path.write_text(text)
    return path


@pytest.fixture
def real_engine(sqlite_runtime: Runtime, tmp_path: Path) -> tuple[ConversationEngine, Clock]:
    bridge = FakeBridge()
    bridge.snapshots["CP-1042"] = snapshot("CP-1042", "Station 12", [connector(1, "CCS2", 150)])
    bridge.snapshots["CP-2001"] = snapshot("CP-2001", "Station 8", [connector(1, "Type 2", 22)],
                                           site_type="highway")
    bridge.snapshots["CP-2001"]["site_id"] = "a9-services"
    rules = load_rules(_rules_file(tmp_path))
    clock = Clock()
    engine = ConversationEngine(sqlite_runtime.sessions, FakeNLU(), bridge, FakeKnowledge(), FakePolicy(),
                                RulesAdapter(rules), TicketsAdapter(rules), clock=clock)
    return engine, clock


def _driver(engine: ConversationEngine, clock: Clock, contact: str) -> Callable[..., TurnResult]:
    ids = itertools.count()

    def say(text: str, **extra: object) -> TurnResult:
        return engine.handle(InboundMessage(channel="sms", contact=contact, text=text,
                                            delivery_id=f"{contact}-{next(ids)}", received_at=clock.now,
                                            **extra))  # type: ignore[arg-type]
    return say


def _failed_sessions(runtime: Runtime, charger_id: str, minutes_ago: list[int]) -> None:
    with transaction(runtime.sessions) as session:
        for n, ago in enumerate(minutes_ago):
            session.add(ChargingSession(charger_id=charger_id, connector_id=1, transaction_id=f"tx-{n}",
                                        outcome="failed", started_at=T0 - timedelta(minutes=ago)))


def test_the_ticket_is_due_by_the_rule_that_fired_and_names_recent_failures(
        real_engine: tuple[ConversationEngine, Clock], sqlite_runtime: Runtime) -> None:
    engine, clock = real_engine
    _failed_sessions(sqlite_runtime, "CP-1042", [5, 20, 40, 90])  # three inside the 60-minute window
    result = _driver(engine, clock, "+4915100000001")("I want to talk to a person", charger_hint="CP-1042")
    assert result.replies[-1].handoff is not None
    with sqlite_runtime.sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert (ticket.rule, ticket.tier, ticket.priority) == ("repeated_failed_sessions", "tier2", "P2")
        assert ticket.sla_due.replace(tzinfo=None) == (T0 + timedelta(minutes=45)).replace(tzinfo=None)
        assert "3 failed sessions on this charger recently" in ticket.summary


def test_without_a_rule_the_ticket_is_due_by_the_rulesets_priority_sla(
        real_engine: tuple[ConversationEngine, Clock], sqlite_runtime: Runtime) -> None:
    engine, clock = real_engine
    _driver(engine, clock, "+4915100000002")("I want to talk to a person", charger_hint="CP-2001")
    with sqlite_runtime.sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.priority == "P3"
        assert ticket.sla_due.replace(tzinfo=None) == (T0 + timedelta(minutes=200)).replace(tzinfo=None)
        assert "failed session" not in ticket.summary


def test_drivers_hear_of_a_network_incident_once_it_is_open(
        real_engine: tuple[ConversationEngine, Clock], sqlite_runtime: Runtime) -> None:
    engine, clock = real_engine
    first = _driver(engine, clock, "+4915100000003")("my card declined", charger_hint="CP-1042")
    second = _driver(engine, clock, "+4915100000004")("my card declined", charger_hint="CP-2001")
    for early in (first, second):
        assert not early.replies[0].text.startswith("There is a known problem")
    clock.advance(minutes=1)
    third = _driver(engine, clock, "+4915100000005")("my card declined", charger_hint="CP-2001")
    assert third.replies[0].text.startswith("There is a known problem with card payments across our network")
    refused = _driver(engine, clock, "+4915100000006")("my card was rejected", charger_hint="CP-1042")
    assert refused.replies[0].text.startswith("There is a known problem with card and app authorisation")
    assert all(r.handoff is None for r in refused.replies)
    with sqlite_runtime.sessions() as session:
        incident = session.scalars(select(Incident)).one()
        assert (incident.kind, incident.status) == ("network_payment_outage", "open")
        linked = set(session.scalars(select(IncidentContact.conversation_id)))
        assert {first.conversation_id, second.conversation_id, third.conversation_id,
                refused.conversation_id} <= linked
        assert len(list(session.scalars(select(IncidentContact)))) == len(linked)  # each driver once


def test_tickets_that_tip_the_network_rule_open_the_incident_and_are_linked_to_it(
        real_engine: tuple[ConversationEngine, Clock], sqlite_runtime: Runtime) -> None:
    engine, clock = real_engine
    bridge = engine.deps.bridge
    for charger_id in ("CP-1042", "CP-2001"):
        bridge.snapshots[charger_id]["online"] = False  # type: ignore[attr-defined]
    first = _driver(engine, clock, "+4915100000007")("my card was rejected", charger_hint="CP-1042")
    assert first.replies[-1].handoff is not None
    assert "known problem" not in first.replies[-1].text
    second = _driver(engine, clock, "+4915100000008")("my card was rejected", charger_hint="CP-2001")
    assert second.replies[-1].handoff is not None
    assert "This looks like a known problem across our network" in second.replies[-1].text
    with sqlite_runtime.sessions() as session:
        incident = session.scalars(select(Incident)).one()
        tickets = list(session.scalars(select(Ticket).order_by(Ticket.id)))
        assert [t.incident_id for t in tickets] == [incident.id, incident.id]
        assert [t.intent for t in tickets] == ["auth_failed", "auth_failed"]
