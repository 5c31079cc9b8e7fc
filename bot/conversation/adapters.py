"""Adapters from the real packages (bot.nlu, ocpp_bridge, bot.knowledge, handoff) to the engine's ports."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping, Optional

from sqlalchemy.orm import Session

from bot.errors import ChargerUnreachable, UnknownCharger
from ocpp_bridge.client import BridgeClient, CommandResult
from ocpp_bridge.commands import CommandTimeout

log = logging.getLogger(__name__)


class ClientBridge:
    """Live state from the database, commands through `ocpp_bridge.client.BridgeClient` (POST /commands)."""

    def __init__(self, client: BridgeClient) -> None:
        self.client = client

    @property
    def base_url(self) -> str:
        """Where the bridge's control API listens."""
        return self.client.base_url

    def snapshot(self, session: Session, charger_id: str) -> dict[str, Any] | None:
        """Read the charger's state straight from the database (any process can)."""
        from ocpp_bridge.state import charger_snapshot

        return charger_snapshot(session, charger_id)

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

    def decide(self, session: Session, action: str, charger_id: str, connector_id: Optional[int],
               requested_by: str, params: Optional[dict[str, Any]] = None) -> Any:
        """Ask `ocpp_bridge.policy.policy_decision`."""
        from ocpp_bridge.policy import policy_decision

        return policy_decision(session, self.policy, action, charger_id, connector_id, requested_by, params)


@dataclass(frozen=True)
class RenderedText:
    """A guide rendered for reading and for the ear."""

    text: str
    voice_text: str
    image_url: Optional[str]
    link: Optional[tuple[str, str]]


class KnowledgeAdapter:
    """`bot.knowledge`'s guides rendered with the charger's context."""

    def __init__(self, kb: Any) -> None:
        self.kb = kb

    def guides(self, session: Session, intent: str, entities: Mapping[str, Any],
               charger_id: Optional[str]) -> list[RenderedText]:
        """The guides for `intent`, best first."""
        from bot.knowledge import GuideContext

        context = GuideContext.from_fleet(session, charger_id) if charger_id else None
        found = []
        for guide in self.kb.for_intent(intent, {k: str(v) for k, v in entities.items()}):
            chat = guide.render("chat", context)
            voice = guide.render("voice", context)
            link = (guide.title, chat.link_path) if chat.link_path else None
            found.append(RenderedText(chat.text, voice.text, chat.image_url, link))
        return found

    def error_code(self, code: str) -> Any:
        """The knowledge base's explanation of an error code."""
        return self.kb.error_code(code)


class RulesAdapter:
    """`handoff.rules.RuleSet` fed from the engine's facts."""

    def __init__(self, rules: Any) -> None:
        self.rules = rules

    def evaluate(self, facts: Mapping[str, Any]) -> Any:
        """Translate the facts into `TurnFacts` and evaluate the matrix."""
        from handoff.rules import TurnFacts

        snap = facts.get("snapshot") or {}
        codes = tuple(sorted({str(c.get("error_code")) for c in snap.get("connectors") or []
                              if c.get("error_code") not in (None, "", "NoError")}))
        actions = facts.get("actions") or []
        recoveries = [a for a in actions if a.get("action") in ("Reset", "ChangeAvailability", "UnlockConnector")]
        failed = sum(1 for s in snap.get("recent_sessions") or [] if s.get("outcome") in
                     ("failed", "rejected", "start_failed"))
        return self.rules.evaluate(TurnFacts(
            intent=facts.get("intent"), nlu_confidence=facts.get("nlu_confidence"), safety=bool(facts.get("safety")),
            error_codes=codes, driver_asked_human=facts.get("intent") == "request_human",
            recovery_attempted=bool(recoveries), recovery_verified=any(a.get("verified") for a in recoveries),
            charger_id=facts.get("charger_id"), charger_online=snap.get("online") if snap else None,
            offline_minutes=_minutes_since(snap.get("offline_since")), failed_sessions_recent=failed,
            site_id=snap.get("site_id")))


def _minutes_since(value: Any) -> float:
    if not value:
        return 0.0
    try:
        then = datetime.fromisoformat(str(value))
    except ValueError:
        return 0.0
    then = then if then.tzinfo else then.replace(tzinfo=timezone.utc)
    return max(0.0, (datetime.now(timezone.utc) - then).total_seconds() / 60)


class TicketsAdapter:
    """`handoff.tickets.open_ticket` and `handoff.incidents.active_incident`."""

    def open_ticket(self, session: Session, draft: Mapping[str, Any], now: datetime) -> Any:
        """Open (or join) a ticket from the engine's draft."""
        from handoff.tickets import TicketDraft, open_ticket

        return open_ticket(session, TicketDraft(**dict(draft)), now=now)

    def active_incident(self, session: Session, kind: str, now: datetime) -> Any:
        """A known network-wide incident."""
        from handoff.incidents import active_incident

        return active_incident(session, kind, now)
