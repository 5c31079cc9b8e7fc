"""The demo's agent account: `demo`, role ops (sees every tier's tickets), one password per demo folder."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.db import transaction
from bot.demo.stored import stored_secret
from bot.runtime import Runtime

log = logging.getLogger(__name__)
DEMO_AGENT = "demo"
DEMO_ROLE = "ops"  # the demo's tickets go to every tier; ops sees them all and may send remote commands
PASSWORD_FILE = "agent-password"


def ensure_demo_agent(runtime: Runtime, directory: Path) -> tuple[tuple[str, str] | None, str]:
    """Create the `demo` agent, or make sure it logs in with the folder's password; ((name, password), note).

    The password is made once and kept in `directory` (0600). An agent whose hash already matches it is left
    alone: a new hash would end the sessions of console tabs still open from the last run.
    """
    from werkzeug.security import check_password_hash

    from handoff.console.agents import add_agent, find_agent, set_password

    password = stored_secret(directory, PASSWORD_FILE)
    with transaction(runtime.sessions) as session:
        agent = find_agent(session, DEMO_AGENT)
        if agent is None:
            add_agent(session, DEMO_AGENT, DEMO_ROLE, password)
        else:
            if not check_password_hash(agent.password_hash, password):  # e.g. the folder's password file was removed
                set_password(session, DEMO_AGENT, password)  # ends old sessions and lifts a lock on the name
            agent.role, agent.active = DEMO_ROLE, True
    log.info("demo agent account %s ready", DEMO_AGENT)
    return (DEMO_AGENT, password), ""
