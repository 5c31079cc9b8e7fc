"""One entry for every remote command: known charger, policy for bots, then local or routed execution."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from bot.errors import ChargerUnreachable, PolicyRefused, UnknownCharger
from bot.fleet.models import Charger
from ocpp_bridge import commands, raw
from ocpp_bridge.commands import BadCommand
from ocpp_bridge.core import Core
from ocpp_bridge.models import ChargerState
from ocpp_bridge.policy import Policy, policy_decision

log = logging.getLogger(__name__)
RAW_PREFIX = "ocpp:"  # a routed or admitted action named "ocpp:<Action>" is raw: its params are the native payload
RAW_ROLES = frozenset({"ops"})
RAW_REFUSED = "raw OCPP actions are for API tokens and the ops role only"


class Forward(Protocol):
    """Run an admitted command on the node holding the charger; returns the result dict."""

    def __call__(self, charger_id: str, action: str, params: dict[str, Any], verify: bool, requested_by: str, *,
                 command_id: str | None = None, claimed_by: str | None = None) -> Awaitable[dict[str, Any]]: ...


class CommandService:
    """Decide, route and run remote commands for one bridge node."""

    def __init__(self, core: Core, sessions: sessionmaker[Session], policy: Policy,
                 forward: Forward | None = None) -> None:
        self.core, self.sessions, self.policy, self.forward = core, sessions, policy, forward

    def _admit(self, charger_id: str, action: str, params: dict[str, Any], requested_by: str,
               claimed_by: str | None, command_id: str | None) -> None:
        """Blocking part: the charger must exist; a bot request must pass the policy (refusals audited).

        An API caller claiming to be a bot (`claimed_by`) is held to the bot's policy too: asking for the
        stricter rules is safe to honour, while the claim never changes who the audit says asked.
        """
        subject = requested_by if requested_by.startswith("bot:") else claimed_by
        with self.sessions() as session:
            if session.get(Charger, charger_id) is None and session.get(ChargerState, charger_id) is None:
                raise UnknownCharger(f"unknown charger {charger_id}")
            if subject is None or not subject.startswith("bot:"):
                return
            decision = policy_decision(session, self.policy, action, charger_id, params.get("connector_id"),
                                       subject, params)
        if not decision.allowed:
            log.info("charger=%s %s refused for %s: %s", charger_id, action, subject, decision.reason)
            self.core.store.audit(charger_id, requested_by, action, commands.masked(params), "Refused", None, None,
                                  [], decision.reason, command_id, claimed_by)
            raise PolicyRefused(decision.reason)

    async def run(self, charger_id: str, action: str, params: dict[str, Any] | None, *, verify: bool = True,
                  requested_by: str = "api", command_id: str | None = None,
                  claimed_by: str | None = None) -> dict[str, Any]:
        """Run a command wherever the charger is connected; raises UnknownCharger, PolicyRefused,
        BadCommand, ChargerUnreachable, CommandTimeout or CommandUnknown.

        `requested_by` is the caller the web process authenticated (`api`, `agent:<name>`, `bot:<conversation>`);
        `claimed_by` is what an API caller said about itself, kept in the audit as a note only.
        """
        params = dict(params or {})
        if not isinstance(requested_by, str) or not requested_by:
            raise BadCommand("requested_by is required")
        name = commands.canonical(action)
        params = commands.normalize(name, params)
        await self.core.db(self._admit, charger_id, name, params, requested_by, claimed_by, command_id)
        return await self.run_admitted(charger_id, name, params, verify, requested_by, command_id=command_id,
                                       claimed_by=claimed_by)

    async def run_raw(self, charger_id: str, action: str, payload: dict[str, Any], *, requested_by: str = "api",
                      caller_role: str | None = None, command_id: str | None = None,
                      claimed_by: str | None = None) -> dict[str, Any]:
        """Send any central-system action with its native payload; for the API token and the ops role only.

        Raises BadCommand (not an action of the charger's protocol, payload off its schema), PolicyRefused (a bot,
        or a caller without the ops role; audited), UnknownCharger, ChargerUnreachable, CommandTimeout, CommandUnknown.
        """
        if not isinstance(payload, dict):
            raise BadCommand("payload must be a JSON object in the protocol's own field names")
        await self.core.db(self._admit_raw, charger_id, action, payload, requested_by, caller_role, claimed_by,
                           command_id)
        return await self.run_admitted(charger_id, RAW_PREFIX + action, payload, False, requested_by,
                                       command_id=command_id, claimed_by=claimed_by)

    def _admit_raw(self, charger_id: str, action: str, payload: dict[str, Any], requested_by: str,
                   caller_role: str | None, claimed_by: str | None, command_id: str | None) -> None:
        """Blocking part: a known charger, and a caller allowed raw actions (a refusal is audited)."""
        with self.sessions() as session:
            if session.get(Charger, charger_id) is None and session.get(ChargerState, charger_id) is None:
                raise UnknownCharger(f"unknown charger {charger_id}")
        bot = requested_by.startswith("bot:") or (claimed_by or "").startswith("bot:")
        if not bot and (requested_by == "api" or caller_role in RAW_ROLES):
            return
        log.info("charger=%s raw %s refused for %s", charger_id, action, requested_by)
        self.core.store.audit(charger_id, requested_by, action[:50], {"payload": raw.masked_payload(payload)},
                              "Refused", None, None, [], RAW_REFUSED, command_id, claimed_by)
        raise PolicyRefused(RAW_REFUSED)

    async def run_admitted(self, charger_id: str, action: str, params: dict[str, Any], verify: bool,
                           requested_by: str, *, command_id: str | None = None,
                           claimed_by: str | None = None) -> dict[str, Any]:
        """Execute an already-admitted command here or on the node that holds the charger."""
        link = self.core.link(charger_id)
        if link is not None and action.startswith(RAW_PREFIX):
            return await raw.execute_raw(self.core, link, action.removeprefix(RAW_PREFIX), params,
                                         requested_by=requested_by, command_id=command_id, claimed_by=claimed_by)
        if link is not None:
            return await commands.execute(self.core, link, action, params, verify=verify, requested_by=requested_by,
                                          command_id=command_id, claimed_by=claimed_by)
        if self.forward is not None:
            return await self.forward(charger_id, action, params, verify, requested_by, command_id=command_id,
                                      claimed_by=claimed_by)
        raise ChargerUnreachable(f"charger {charger_id} is not connected")
