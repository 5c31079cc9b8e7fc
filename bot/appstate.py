"""Small persistent key-value state: generated secrets and fleet-wide options."""

from __future__ import annotations

import secrets

from sqlalchemy import String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from bot.db import Base


class AppState(Base):
    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"AppState(key={self.key!r})"


def get_value(session: Session, key: str) -> str | None:
    """Read one value, or None."""
    return session.scalar(select(AppState.value).where(AppState.key == key))


def set_value(session: Session, key: str, value: str) -> None:
    """Insert or replace one value."""
    row = session.get(AppState, key)
    if row is None:
        session.add(AppState(key=key, value=value))
    else:
        row.value = value


def ensure_secret(factory: sessionmaker[Session], key: str) -> tuple[str, bool]:
    """Return the stored secret under `key`, generating it the first time; (value, created)."""
    with factory() as session:
        existing = get_value(session, key)
        if existing:
            return existing, False
        value = secrets.token_urlsafe(32)
        session.add(AppState(key=key, value=value))
        try:
            session.commit()
        except IntegrityError:
            # another process (web and bridge start together) generated it first
            session.rollback()
            stored = get_value(session, key)
            assert stored is not None
            return stored, False
    return value, True
