"""Adapters from the real packages (bot.nlu, ocpp_bridge, bot.knowledge, handoff) to the engine's ports."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.errors import ChargerUnreachable, UnknownCharger
from ocpp_bridge.calls import CommandTimeout
from ocpp_bridge.client import BridgeClient, CommandResult
from ocpp_bridge.snapshot import ChargerSnapshot

if TYPE_CHECKING:
    from handoff.rules import RuleSet

log = logging.getLogger(__name__)


class ClientBridge:
    """Live state from the database, commands through `ocpp_bridge.client.BridgeClient` (POST /commands)."""

    def __init__(self, client: BridgeClient) -> None:
        self.client = client

    @property
    def base_url(self) -> str:
        """Where the bridge's control API listens."""
        return self.client.base_url

    def snapshot(self, session: Session, charger_id: str, profile: Any = None) -> ChargerSnapshot | None:
        """Read the charger's state straight from the database (any process can)."""
        from ocpp_bridge.state import load_snapshot

        return load_snapshot(session, charger_id, profile)

    def command(self, charger_id: str, action: str, params: dict[str, Any] | None = None, *,
                requested_by: str) -> CommandResult:
        """Run one command and wait for the bridge's verification."""
        try:
            return self.client.command(charger_id, action, params, verify=True, requested_by=requested_by)
        except CommandTimeout as exc:
            # the command was sent but the charger never answered: report it, unverified
            return CommandResult("Timeout", False, [], exc.audit_id, str(exc))
        except UnknownCharger as exc:
            raise ChargerUnreachable(f"the bridge does not know {charger_id}") from exc

    def set_safety_lock(self, session: Session, charger_id: str, reason: str) -> None:
        """Write the bridge's safety lock (the bridge refuses our commands on this charger from now on)."""
        from ocpp_bridge.policy import set_safety_lock

        set_safety_lock(session, charger_id, reason)


class BridgePolicy:
    """The approved-actions policy, decided against the database like the bridge does."""

    def __init__(self, policy: Any) -> None:
        self.policy = policy

    def decide(self, session: Session, action: str, charger_id: str, connector_id: int | None,
               requested_by: str, params: dict[str, Any] | None = None) -> Any:
        """Ask `ocpp_bridge.policy.policy_decision`."""
        from ocpp_bridge.policy import policy_decision

        return policy_decision(session, self.policy, action, charger_id, connector_id, requested_by, params)


@dataclass(frozen=True)
class RenderedText:
    """A guide rendered for reading, for the ear and for SMS."""

    text: str
    voice_text: str
    image_url: str | None
    link: tuple[str, str] | None
    sms_text: str | None = None
    id: str = ""
    tags: tuple[str, ...] = ()


class KnowledgeAdapter:
    """`bot.knowledge`'s guides rendered with the charger's context (kept `ttl` seconds: the fleet rarely changes)."""

    def __init__(self, kb: Any, ttl: float = 30.0) -> None:
        self.kb = kb
        self.ttl = ttl
        self._contexts: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def context(self, session: Session, charger_id: str) -> Any:
        """The charger's `GuideContext` (label, plugs, payment methods), read at most once per `ttl`."""
        from bot.knowledge import GuideContext

        now = time.monotonic()
        with self._lock:
            cached = self._contexts.get(charger_id)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        context = GuideContext.from_fleet(session, charger_id)
        with self._lock:
            if len(self._contexts) > 10_000:  # chargers named by drivers are the fleet's; this bounds junk ids
                self._contexts.clear()
            self._contexts[charger_id] = (now, context)
        return context

    def guides(self, session: Session, intent: str, entities: Mapping[str, Any],
               charger_id: str | None, language: str | None = None) -> list[RenderedText]:
        """The guides for `intent`, best first, in `language` where translated (bot/knowledge/guides/<lang>/)."""
        from bot.knowledge.translations import translated

        context = self.context(session, charger_id) if charger_id else None
        found = []
        for english in self.kb.for_intent(intent, {k: str(v) for k, v in entities.items()}):
            guide = translated(english, language)
            chat = guide.render("chat", context)
            voice = guide.render("voice", context)
            sms = guide.render("sms", context)
            link = (guide.title, chat.link_path) if chat.link_path else None
            found.append(RenderedText(chat.text, voice.text, chat.image_url, link, sms.text, guide.id,
                                      tuple(guide.tags)))
        return found

    def error_code(self, code: str) -> Any:
        """The knowledge base's explanation of an error code."""
        return self.kb.error_code(code)


class RulesAdapter:
    """`handoff.rules.RuleSet` fed from the engine's facts, and `handoff.history` for the charger's history."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules

    def history(self, session: Session, charger_id: str, now: datetime) -> dict[str, int]:
        """Failed and rejected sessions and offline spells within the ruleset's `history_window_minutes`."""
        from handoff.history import charger_history

        return charger_history(session, charger_id, now, self.rules.history_window_minutes)

    def evaluate(self, facts: Mapping[str, Any]) -> Any:
        """The rule that fires on these facts, or None (`RuleSet.evaluate`)."""
        return self.rules.evaluate(_turn_facts(facts))

    def route(self, facts: Mapping[str, Any]) -> Any:
        """Where a ticket with these facts goes (`RuleSet.route`)."""
        return self.rules.route(_turn_facts(facts))


def _turn_facts(facts: Mapping[str, Any]) -> Any:
    from handoff.rules import FACT_NAMES, TurnFacts

    unknown = set(facts) - FACT_NAMES
    if unknown:  # a playbook reporting a fact no rule can read is a bug worth seeing
        log.warning("facts the rules do not know were ignored: %s", ", ".join(sorted(unknown)))
    return TurnFacts.from_mapping(facts)


class TicketsAdapter:
    """`handoff.tickets.open_ticket` (due by the ruleset's SLA) and `handoff.incidents` for network outages."""

    def __init__(self, rules: RuleSet | None = None) -> None:
        self.rules = rules

    def open_ticket(self, session: Session, draft: Mapping[str, Any], now: datetime) -> Any:
        """Open (or join) a ticket from the engine's draft."""
        from handoff.tickets import TicketDraft, open_ticket

        sla = self.rules.sla if self.rules is not None else None
        return open_ticket(session, TicketDraft(**dict(draft)), now=now, sla=sla)

    def network_incident(self, session: Session, intent: str, report: Mapping[str, Any], now: datetime) -> Any:
        """Check the network-wide rule (opening or extending its incident) and link this driver to it."""
        from sqlalchemy import select

        from handoff.incidents import check_network_incident, link_contact
        from handoff.models import IncidentContact

        rule = self.rules.network if self.rules is not None else None
        if rule is None or intent not in rule.intents:
            return None
        incident = check_network_incident(session, now, self.rules)
        if incident is None:
            return None
        conversation_id = report.get("conversation_id")
        linked = session.scalars(select(IncidentContact.id).where(
            IncidentContact.incident_id == incident.id, IncidentContact.conversation_id == conversation_id)).first()
        if linked is None:
            link_contact(session, incident, channel=str(report.get("channel") or ""),
                         contact=str(report.get("contact") or ""), now=now, charger_id=report.get("charger_id"),
                         site_id=report.get("site_id"), conversation_id=conversation_id)
        return incident
