"""Row builders for metric fixtures: a handful of conversations, tickets, commands and status events."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from bot.conversation.models import Conversation, ConversationMessage
from handoff.models import Ticket
from ocpp_bridge.models import CommandAudit, StatusEvent


class Rows:
    """Adds rows to a session with only the fields a metric reads spelled out by the test."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._ids = itertools.count(1)

    def conversation(self, at: datetime, *, channel: str = "sms", contact: str = "+4915550000001",
                     charger_id: str | None = "CP-B1", messages: list[tuple[str, str | None, int]] | None = None,
                     last_minutes: int = 10, ticket_ref: str | None = None, outcome: str | None = None) -> str:
        """A conversation started at `at`; messages are (direction, intent, seconds after start)."""
        cid = f"c{next(self._ids):04d}"
        self.session.add(Conversation(id=cid, channel=channel, contact=contact, mode="bot", status="closed",
                                      started_at=at, last_activity_at=at + timedelta(minutes=last_minutes),
                                      charger_id=charger_id, ticket_id=ticket_ref, state={}, outcome=outcome))
        self.session.flush()
        for direction, intent, seconds in messages if messages is not None else [("in", "how_to_pay", 0)]:
            self.session.add(ConversationMessage(conversation_id=cid, channel=channel, direction=direction, text="...",
                                                 at=at + timedelta(seconds=seconds), intent=intent, processed=True,
                                                 payload={}))
        return cid

    def ticket(self, created: datetime, *, tier: str = "tier1", priority: str = "P3", charger_id: str | None = "CP-B1",
               intent: str = "start_failure", resolved: datetime | None = None, verdict: str | None = None,
               sla_minutes: int = 240, conversation_id: str | None = None, site_type: str | None = "fleet_depot",
               channel: str = "sms") -> Ticket:
        ticket = Ticket(created_at=created, updated_at=created, status="resolved" if resolved else "open",
                        channel=channel, contact="+49******001", charger_id=charger_id, site_type=site_type,
                        intent=intent, tier=tier, priority=priority, sla_due=created + timedelta(minutes=sla_minutes),
                        problem=intent, summary="s", actions=[], transcript=[], notes=[],
                        conversation_id=conversation_id, resolved_at=resolved, routing_verdict=verdict)
        self.session.add(ticket)
        self.session.flush()
        return ticket

    def command(self, at: datetime, *, charger_id: str = "CP-B1", requested_by: str = "api", status: str = "Accepted",
                verified: bool | None = True, action: str = "Reset") -> None:
        self.session.add(CommandAudit(charger_id=charger_id, requested_by=requested_by, at=at, action=action,
                                      params={}, status=status, verified=verified, observed=[]))

    def status(self, at: datetime, kind: str = "status", status: str | None = None, *, charger_id: str = "CP-B1",
               connector_id: int | None = 1, **extra: Any) -> None:
        self.session.add(StatusEvent(charger_id=charger_id, kind=kind, status=status,
                                     connector_id=connector_id if kind == "status" else None, at=at, **extra))


@pytest.fixture
def rows(session: Session) -> Rows:
    """Row builders on the test session (with the handoff tests' fleet: CP-B1 depot, CP-A1 highway)."""
    return Rows(session)
