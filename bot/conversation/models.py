"""Conversation tables: one row per conversation, one per message in or out (the transcript)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base

MODES = ("bot", "agent")
STATUSES = ("open", "closed")
# how a closed conversation ended (None while open, or for conversations closed before outcomes were kept)
OUTCOMES = ("resolved_by_bot", "transferred", "handed_off", "abandoned", "expired")


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    contact: Mapped[str] = mapped_column(String(128), index=True)
    mode: Mapped[str] = mapped_column(String(8), default="bot")
    status: Mapped[str] = mapped_column(String(8), default="open")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    charger_id: Mapped[str | None] = mapped_column(String(64), index=True)
    ticket_id: Mapped[str | None] = mapped_column(String(32))
    # the agent holding it while mode is "agent" (never in `state`, which each bot turn rewrites)
    agent: Mapped[str | None] = mapped_column(String(64))
    # the dialogue state between turns (slots, what the bot asked, actions taken)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcome: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"Conversation(id={self.id!r}, channel={self.channel!r}, mode={self.mode!r}, status={self.status!r})"


class ConversationMessage(Base):
    __tablename__ = "conversation_messages"
    # the idempotency key: one delivery (MessageSid, update_id, ...) per channel is processed once
    __table_args__ = (UniqueConstraint("channel", "delivery_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    delivery_id: Mapped[str | None] = mapped_column(String(128))
    direction: Mapped[str] = mapped_column(String(8))  # "in" (driver), "out" (bot), "agent"
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    intent: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float | None] = mapped_column(Float)
    processed: Mapped[bool] = mapped_column(default=False)
    # the rest of an inbound message (button, hint) or of a reply (choices, links, handoff)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return (f"ConversationMessage(id={self.id}, conversation_id={self.conversation_id!r}, "
                f"direction={self.direction!r})")
