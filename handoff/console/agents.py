"""Agent accounts: add, list, change password, disable, and check a login."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bot.errors import ChargeLineError
from handoff.clock import as_utc, utcnow
from handoff.console.models import ROLES, Agent

log = logging.getLogger(__name__)

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256
LOCK_AFTER = 5  # wrong passwords in a row
LOCK_FOR = timedelta(minutes=5)
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
                  created_at=now or utcnow(), failed_logins=0)
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
    """Replace an agent's password (their open sessions end)."""
    check_password(password)
    agent = require_agent(session, name)
    agent.password_hash = hash_password(password)
    agent.failed_logins, agent.locked_until = 0, None
    log.info("agent %s password changed", agent.name)
    return agent


def disable_agent(session: Session, name: str) -> Agent:
    """Stop an agent from logging in (their open sessions end)."""
    agent = require_agent(session, name)
    agent.active = False
    log.info("agent %s disabled", agent.name)
    return agent


@dataclass(frozen=True)
class LoginResult:
    """A login attempt: the agent when it succeeded, else whether the name is locked for a while."""

    agent: Agent | None
    locked: bool = False


def authenticate(session: Session, name: str, password: str, *, now: datetime | None = None) -> LoginResult:
    """Check a name and password (the caller commits); LOCK_AFTER wrong passwords lock the name for LOCK_FOR.

    Each attempt takes its place in the counter with one atomic UPDATE before the password is checked, so
    parallel guesses cannot all read the same count: at most LOCK_AFTER passwords are checked per lock period.
    """
    now = now or utcnow()
    agent = find_agent(session, name) if NAME.match(name.strip().lower()) else None
    if agent is None:
        check_password_hash(_DUMMY_HASH, password)
        return LoginResult(None)
    if agent.locked_until is not None and as_utc(agent.locked_until) > now:
        return LoginResult(None, locked=True)
    # the row stays locked (PostgreSQL) or the database (SQLite) until the caller commits: attempts queue here
    attempt = session.execute(
        update(Agent).where(Agent.id == agent.id, or_(Agent.locked_until.is_(None), Agent.locked_until <= now))
        .values(failed_logins=func.coalesce(Agent.failed_logins, 0) + 1)
        .returning(Agent.failed_logins)).scalar_one_or_none()
    if attempt is None or attempt > LOCK_AFTER:  # locked meanwhile, or this period's tries are used up
        return LoginResult(None, locked=True)
    if not check_password_hash(agent.password_hash, password):
        if attempt >= LOCK_AFTER:
            session.execute(update(Agent).where(Agent.id == agent.id)
                            .values(failed_logins=0, locked_until=now + LOCK_FOR))
            log.warning("agent %s locked for %s after %d wrong passwords", agent.name, LOCK_FOR, LOCK_AFTER)
            return LoginResult(None, locked=True)
        return LoginResult(None)
    if not agent.active:
        return LoginResult(None)
    session.execute(update(Agent).where(Agent.id == agent.id).values(failed_logins=0, locked_until=None))
    session.refresh(agent)
    return LoginResult(agent)
