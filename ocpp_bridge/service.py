"""One entry for every remote command: known charger, policy for bots, then local or routed execution."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.errors import ChargerUnreachable, PolicyRefused, UnknownCharger
from bot.fleet.models import Charger
from ocpp_bridge import commands
from ocpp_bridge.commands import BadCommand
from ocpp_bridge.core import Core
from ocpp_bridge.models import ChargerState
from ocpp_bridge.policy import Policy, policy_decision

log = logging.getLogger(__name__)

# (charger_id, action, params, verify, requested_by) -> result dict, on the node holding the charger
Forward = Callable[[str, str, dict[str, Any], bool, str], Awaitable[dict[str, Any]]]


class CommandService:
    """Decide, route and run remote commands for one bridge node."""

    def __init__(self, core: Core, sessions: sessionmaker[Session], policy: Policy,
                 forward: Forward | None = None) -> None:
        self.core, self.sessions, self.policy, self.forward = core, sessions, policy, forward

    def _admit(self, charger_id: str, action: str, params: dict[str, Any], requested_by: str) -> None:
        """Blocking part: the charger must exist; a bot request must pass the policy (refusals audited)."""
        with self.sessions() as session:
            if session.get(Charger, charger_id) is None and session.get(ChargerState, charger_id) is None:
                raise UnknownCharger(f"unknown charger {charger_id}")
            if not requested_by.startswith("bot:"):
                return
            decision = policy_decision(session, self.policy, action, charger_id, params.get("connector_id"),
                                       requested_by, params)
        if not decision.allowed:
            log.info("charger=%s %s refused for %s: %s", charger_id, action, requested_by, decision.reason)
            self.core.store.audit(charger_id, requested_by, action, commands.masked(params), "Refused", None, None,
                                  [], decision.reason)
            raise PolicyRefused(decision.reason)

    async def run(self, charger_id: str, action: str, params: dict[str, Any] | None, *, verify: bool = True,
                  requested_by: str = "api") -> dict[str, Any]:
        """Run a command wherever the charger is connected; raises UnknownCharger, PolicyRefused,
        BadCommand or ChargerUnreachable."""
        params = dict(params or {})
        if not isinstance(requested_by, str) or not requested_by:
            raise BadCommand("requested_by is required")
        name = commands.canonical(action)
        params = commands.normalize(name, params)
        await self.core.db(self._admit, charger_id, name, params, requested_by)
        return await self.run_admitted(charger_id, name, params, verify, requested_by)

    async def run_admitted(self, charger_id: str, action: str, params: dict[str, Any], verify: bool,
                           requested_by: str) -> dict[str, Any]:
        """Execute an already-admitted command here or on the node that holds the charger."""
        link = self.core.link(charger_id)
        if link is not None:
            return await commands.execute(self.core, link, action, params, verify=verify, requested_by=requested_by)
        if self.forward is not None:
            return await self.forward(charger_id, action, params, verify, requested_by)
        raise ChargerUnreachable(f"charger {charger_id} is not connected")
