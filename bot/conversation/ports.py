"""The narrow interfaces the dialogue needs from its collaborators (NLU, bridge, policy, knowledge, handoff).

The engine sees only these; `factory.py` adapts the real packages to them and
unit tests hand in small fakes. Everything is synchronous: the web side is WSGI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from ocpp_bridge.snapshot import ChargerSnapshot


class EntityLike(Protocol):
    entity: str
    value: Any


class ParseLike(Protocol):
    """What `bot.nlu` returns for one text."""

    text: str
    intent: str
    confidence: float
    ranking: Sequence[tuple[str, float]]
    entities: Sequence[EntityLike]


class NLU(Protocol):
    def parse(self, text: str, language: str | None = None) -> ParseLike:
        """Classify one driver message (language: the conversation's, for a message too short to tell)."""


class CommandResultLike(Protocol):
    """Read-only, so frozen dataclasses (ocpp_bridge.client.CommandResult) satisfy it."""

    @property
    def status(self) -> str: ...
    @property
    def verified(self) -> bool | None: ...
    @property
    def observed(self) -> Any: ...
    @property
    def audit_id(self) -> Any: ...
    @property
    def detail(self) -> Any: ...


class Bridge(Protocol):
    """Live state and remote commands (`ocpp_bridge.state` and `ocpp_bridge.client`)."""

    def snapshot(self, session: Session, charger_id: str, profile: Any = None) -> ChargerSnapshot | None:
        """The charger's live state, or None when the bridge has never seen it.

        `profile` is the charger's cached fleet data (`bot.fleet.profile.ChargerProfile`), read from the database
        when None.
        """

    def command(self, charger_id: str, action: str, params: dict[str, Any] | None = None, *,
                requested_by: str) -> CommandResultLike:
        """Run one remote command and wait for its verification; may raise ChargerUnreachable/PolicyRefused."""

    def set_safety_lock(self, session: Session, charger_id: str, reason: str) -> None:
        """Forbid every further remote action on this charger until a human lifts the lock."""


class DecisionLike(Protocol):
    allowed: bool
    reason: str
    needs_confirmation: bool


class Policy(Protocol):
    """The approved-actions policy (`ocpp_bridge.policy`)."""

    def decide(self, session: Session, action: str, charger_id: str, connector_id: int | None,
               requested_by: str, params: dict[str, Any] | None = None) -> DecisionLike:
        """May the bot run this action on this charger now?"""


class ErrorExplanationLike(Protocol):
    code: str
    title: str
    driver_text: str
    driver_can_fix: bool
    reset_may_help: bool
    escalate_to: str | None
    safety: bool


class GuideText(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def voice_text(self) -> str: ...
    @property
    def sms_text(self) -> str | None: ...
    @property
    def image_url(self) -> str | None: ...
    @property
    def link(self) -> tuple[str, str] | None: ...
    @property
    def id(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...


class Knowledge(Protocol):
    """Self-serve guides and error codes (`bot.knowledge`)."""

    def guides(self, session: Session, intent: str, entities: Mapping[str, Any],
               charger_id: str | None, language: str | None = None) -> Sequence[GuideText]:
        """The guides for this intent, rendered for chat, SMS and the ear, adapted to the charger, in `language`
        where translated."""

    def error_code(self, code: str) -> ErrorExplanationLike | None:
        """Explain one OCPP or vendor error code, or None when unknown."""


class RuleHitLike(Protocol):
    """Where the rules send a ticket (`handoff.rules.RuleHit`)."""

    @property
    def rule(self) -> str: ...
    @property
    def tier(self) -> str: ...
    @property
    def priority(self) -> str: ...
    @property
    def problem(self) -> str: ...
    @property
    def next_step(self) -> str: ...
    @property
    def routing(self) -> dict[str, Any]: ...


class Rules(Protocol):
    """The escalation matrix (`handoff.rules`) and the charger history it judges (`handoff.history`)."""

    def evaluate(self, facts: Mapping[str, Any]) -> RuleHitLike | None:
        """The most urgent rule that fires on these facts, or None: the bot goes on handling it."""

    def route(self, facts: Mapping[str, Any]) -> RuleHitLike:
        """Where a ticket with these facts goes: the rule that fires, else the catch-all, else `unrouted`."""

    def history(self, session: Session, charger_id: str, now: datetime) -> Mapping[str, int]:
        """The charger's recent history within the rules' window: failed_sessions_recent,
        rejected_sessions_recent, offline_spells_recent."""


class TicketRefLike(Protocol):
    id: str
    tier: str
    priority: str


class IncidentLike(Protocol):
    ref: str


class Tickets(Protocol):
    """Tickets and incidents (`handoff.tickets`, `handoff.incidents`)."""

    def open_ticket(self, session: Session, draft: Mapping[str, Any], now: datetime) -> TicketRefLike:
        """Open (or join, when deduplicated) a ticket from a pre-filled draft, due by the rules' SLA."""

    def network_incident(self, session: Session, intent: str, report: Mapping[str, Any],
                         now: datetime) -> IncidentLike | None:
        """For a problem the network-wide rule watches: check for (or open) the incident and link this driver.

        `report` holds channel, contact, charger_id, site_id and conversation_id. None when the intent is
        not one the rule watches or no incident is open.
        """
