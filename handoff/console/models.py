"""The `agents` table: the people who log in to the console."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base

ROLES = ("tier1", "tier2", "field", "ops")
# the ticket tiers each role works on; ops oversees the whole queue (and owns platform_ops tickets)
ROLE_TIERS: dict[str, tuple[str, ...]] = {
    "tier1": ("tier1",),
    "tier2": ("tier2",),
    "field": ("field_engineering",),
    "ops": ("tier1", "tier2", "field_engineering", "platform_ops"),
}
# roles that may send remote commands to a charger from a ticket page (ops supervises, so it may too)
COMMAND_ROLES = ("tier2", "field", "ops")


class Agent(Base):
    """One console login: a unique name, a password hash (werkzeug scrypt) and a role."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # sessions started before this are over (set at logout): a cookie saved earlier no longer works
    sessions_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def tiers(self) -> tuple[str, ...]:
        """The ticket tiers this agent sees and acts on."""
        return ROLE_TIERS.get(self.role, ())

    def __repr__(self) -> str:
        return f"Agent(id={self.id}, name={self.name!r}, role={self.role!r}, active={self.active})"


class LoginThrottle(Base):
    """Wrong console logins counted under one name (whether an agent has it or not) or one client address."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)  # "name:<sha256 of the name>" or "addr:<ip>"
    failures: Mapped[int] = mapped_column(Integer, default=0)  # attempts in the window not yet forgiven
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"LoginThrottle(key={self.key!r}, failures={self.failures}, locked_until={self.locked_until})"
