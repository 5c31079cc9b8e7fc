"""UTC time in one place: the default clock, and aware datetimes from SQLite (naive) and PostgreSQL (aware)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def utcnow() -> datetime:
    """The current time in UTC (aware): the default clock wherever one is injected."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already (how we store it)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, or None."""
    if value is None:
        return None
    return as_utc(value).isoformat().replace("+00:00", "Z")


def jsonable(value: Any) -> Any:
    """A copy of `value` with datetimes as ISO strings, ready for a JSON column."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
