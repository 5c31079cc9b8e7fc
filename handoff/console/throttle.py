"""Wrong console logins counted per key (a name, known or not, or a client address) in the database.

Each attempt takes its place in its key's count with one atomic upsert before the password is checked, so
parallel guesses cannot all read the same count, and every web process and node shares the counts. A key
that used up its budget waits `lock_for`; then it starts again from zero.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, case, delete, literal, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from handoff.console.models import LoginThrottle

STALE_AFTER = timedelta(days=1)  # a count untouched this long is forgotten


@dataclass(frozen=True)
class Budget:
    """At most `limit` wrong logins in `window` (from the first one); then the key waits `lock_for`."""

    limit: int
    window: timedelta
    lock_for: timedelta


def name_key(name: str) -> str:
    """The key a login name is counted under (hashed: any string a stranger types fits, and none is stored)."""
    return "name:" + hashlib.sha256(name.strip().lower().encode("utf-8", "replace")).hexdigest()[:40]


def address_key(address: str) -> str:
    """The key a client address is counted under."""
    return f"addr:{address}"[:80]


def take_attempt(session: Session, key: str, budget: Budget, now: datetime) -> int | None:
    """Count one attempt under `key`: its number in the current window, or None while the key is locked."""
    at = literal(now, DateTime(timezone=True))
    expired = LoginThrottle.window_start <= now - budget.window
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)
    statement = insert(LoginThrottle).values(key=key, failures=1, window_start=now, locked_until=None)
    statement = statement.on_conflict_do_update(
        index_elements=[LoginThrottle.key],
        set_={"failures": case((expired, 1), else_=LoginThrottle.failures + 1),
              "window_start": case((expired, at), else_=LoginThrottle.window_start)},
        where=or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now))
    # the row stays locked (PostgreSQL) or the database (SQLite) until the caller commits: attempts queue here
    attempt: int | None = session.execute(statement.returning(LoginThrottle.failures)).scalar_one_or_none()
    if attempt == 1:  # a new or restarted count: a good moment to drop the ones nobody uses any more
        session.execute(delete(LoginThrottle).where(
            LoginThrottle.window_start < now - STALE_AFTER, LoginThrottle.key != key,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now)))
    return attempt


def lock(session: Session, key: str, budget: Budget, now: datetime) -> None:
    """Make `key` wait `budget.lock_for`; its count starts again afterwards."""
    session.execute(update(LoginThrottle).where(LoginThrottle.key == key)
                    .values(failures=0, window_start=now, locked_until=now + budget.lock_for))


def forgive(session: Session, key: str) -> None:
    """Take back one counted attempt (it was a right password)."""
    session.execute(update(LoginThrottle).where(LoginThrottle.key == key, LoginThrottle.failures > 0)
                    .values(failures=LoginThrottle.failures - 1))


def clear(session: Session, key: str) -> None:
    """Forget `key`'s count and lock."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
