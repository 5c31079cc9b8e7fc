"""Agent accounts: add, list, change password, disable, and check a login."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bot.config import Rate
from bot.errors import ChargeLineError
from handoff.clock import utcnow
from handoff.console import throttle
from handoff.console.models import ROLES, Agent
from handoff.console.throttle import Budget

log = logging.getLogger(__name__)

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256
LOCK_AFTER = 5  # wrong passwords for one name within an hour
LOCK_FOR = timedelta(minutes=5)
BY_NAME = Budget(LOCK_AFTER, timedelta(hours=1), LOCK_FOR)
# checked against when the name is unknown, so a wrong name takes as long as a wrong password
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


class AgentError(ChargeLineError):
    """An agent account cannot be created or changed as asked (the message says why, in one line)."""


def check_name(name: str) -> str:
    """The name, lower-cased, or AgentError when it is not a usable login name."""
    cleaned = name.strip().lower()
    if not NAME.match(cleaned):
        raise AgentError(f"agent name {name!r} must be 1-64 characters: letters, digits, '.', '_' or '-'")
    return cleaned


def check_password(password: str) -> None:
    """Raise AgentError when the password is too short or too long."""
    if len(password) < MIN_PASSWORD:
        raise AgentError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AgentError(f"the password must have at most {MAX_PASSWORD} characters")


def hash_password(password: str) -> str:
    """A werkzeug scrypt hash of the password."""
    return generate_password_hash(password, method="scrypt")


def password_version(agent: Agent) -> str:
    """A short fingerprint of the agent's hash: a changed password ends the sessions made with the old one."""
    return hashlib.sha256(agent.password_hash.encode()).hexdigest()[:16]


def add_agent(session: Session, name: str, role: str, password: str, *, now: datetime | None = None) -> Agent:
    """Create an active agent (raises AgentError for a bad name, role or password, or a taken name)."""
    name = check_name(name)
    if role not in ROLES:
        raise AgentError(f"role {role!r} is not one of {', '.join(ROLES)}")
    check_password(password)
    if find_agent(session, name) is not None:
        raise AgentError(f"an agent named {name!r} already exists")
    agent = Agent(name=name, role=role, password_hash=hash_password(password), active=True,
                  created_at=now or utcnow())
    session.add(agent)
    try:
        session.flush()
    except IntegrityError as exc:  # created by someone else at the same moment
        raise AgentError(f"an agent named {name!r} already exists") from exc
    log.info("agent %s added role=%s", name, role)
    return agent


def find_agent(session: Session, name: str) -> Agent | None:
    """The agent with this name, or None."""
    return session.scalar(select(Agent).where(Agent.name == name.strip().lower()))


def require_agent(session: Session, name: str) -> Agent:
    """The agent with this name, or AgentError."""
    agent = find_agent(session, name)
    if agent is None:
        raise AgentError(f"no agent named {name!r}")
    return agent


def list_agents(session: Session) -> list[Agent]:
    """Every agent, by name."""
    return list(session.scalars(select(Agent).order_by(Agent.name)))


def set_password(session: Session, name: str, password: str) -> Agent:
    """Replace an agent's password: their open sessions end on the server, and a lock on the name is lifted."""
    check_password(password)
    agent = require_agent(session, name)
    agent.password_hash = hash_password(password)
    agent.sessions_since = utcnow()
    throttle.clear(session, throttle.name_key(agent.name))
    log.info("agent %s password changed", agent.name)
    return agent


def disable_agent(session: Session, name: str) -> Agent:
    """Stop an agent from logging in (their open sessions end)."""
    agent = require_agent(session, name)
    agent.active = False
    agent.sessions_since = utcnow()
    log.info("agent %s disabled", agent.name)
    return agent


@dataclass(frozen=True)
class LoginResult:
    """A login attempt: the agent when it succeeded, else whether the name or address is locked for a while."""

    agent: Agent | None
    locked: bool = False


def authenticate(session: Session, name: str, password: str, *, address: str | None = None,
                 address_limit: Rate | None = None, now: datetime | None = None) -> LoginResult:
    """Check a name and password (the caller commits); too many wrong ones lock the name, or the address, a while.

    Every name is counted the same way whether an agent has it or not, and an unknown name is checked against
    a dummy hash: the answers, and the time they take, do not tell which names exist. The attempt is counted
    before the password is checked, so parallel guesses check at most LOCK_AFTER passwords per lock period.
    """
    now = now or utcnow()
    by_address = Budget(address_limit.limit, timedelta(seconds=address_limit.window),
                        timedelta(seconds=address_limit.window)) if address_limit else None
    from_key = throttle.address_key(address) if address and by_address else None
    tried = 0
    if from_key and by_address:
        counted = throttle.take_attempt(session, from_key, by_address, now)
        if counted is None or counted > by_address.limit:
            return LoginResult(None, locked=True)
        tried = counted
    key = throttle.name_key(name)
    attempt = throttle.take_attempt(session, key, BY_NAME, now)
    if attempt is None or attempt > BY_NAME.limit:  # locked, or this period's tries are used up
        return LoginResult(None, locked=True)
    agent = find_agent(session, name) if NAME.match(name.strip().lower()) else None
    right = check_password_hash(agent.password_hash if agent is not None else _DUMMY_HASH, password)
    if right and agent is not None and agent.active:
        throttle.clear(session, key)
        if from_key:
            throttle.forgive(session, from_key)
        return LoginResult(agent)
    locked = False
    if attempt >= BY_NAME.limit:
        throttle.lock(session, key, BY_NAME, now)
        log.warning("login name locked for %s after %d wrong passwords", BY_NAME.lock_for, BY_NAME.limit)
        locked = True
    if from_key and by_address and tried >= by_address.limit:
        throttle.lock(session, from_key, by_address, now)
        log.warning("logins from %s locked for %s after %d wrong passwords", address, by_address.lock_for,
                    by_address.limit)
        locked = True
    return LoginResult(None, locked=locked)
