"""The demo's agent account, created through the agent console's own API once that package exists."""

from __future__ import annotations

import logging
import secrets

from bot.plugins import optional_modules
from bot.runtime import Runtime

log = logging.getLogger(__name__)
DEMO_AGENT = "demo"


def ensure_demo_agent(runtime: Runtime) -> tuple[tuple[str, str] | None, str]:
    """Create or reset the `demo` agent (tier2) with a fresh random password; ((name, password), note)."""
    modules = optional_modules(["handoff.console.accounts"])
    create = getattr(modules[0], "set_agent", None) if modules else None
    if create is None:
        return None, "the agent console is not installed in this checkout; no demo login created"
    password = secrets.token_urlsafe(9)
    create(runtime.sessions, DEMO_AGENT, password=password, role="tier2")
    log.info("demo agent account %s ready", DEMO_AGENT)
    return (DEMO_AGENT, password), ""
