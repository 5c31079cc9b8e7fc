"""The demo's agent account: `demo`, role ops (sees every tier's tickets), a fresh password each run."""

from __future__ import annotations

import logging
import secrets

from bot.db import transaction
from bot.runtime import Runtime

log = logging.getLogger(__name__)
DEMO_AGENT = "demo"
DEMO_ROLE = "ops"  # the demo's tickets go to every tier; ops sees them all and may send remote commands


def ensure_demo_agent(runtime: Runtime) -> tuple[tuple[str, str] | None, str]:
    """Create or reset the `demo` agent with a fresh random password; ((name, password), note)."""
    from handoff.console.agents import add_agent, find_agent, hash_password

    password = secrets.token_urlsafe(9)
    with transaction(runtime.sessions) as session:
        agent = find_agent(session, DEMO_AGENT)
        if agent is None:
            add_agent(session, DEMO_AGENT, DEMO_ROLE, password)
        else:
            agent.password_hash, agent.role, agent.active = hash_password(password), DEMO_ROLE, True
    log.info("demo agent account %s ready", DEMO_AGENT)
    return (DEMO_AGENT, password), ""
