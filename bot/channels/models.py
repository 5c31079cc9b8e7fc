"""Channel-level state: who opted out of SMS/WhatsApp (carriers' STOP keyword), who runs an unfinished turn,
and the replies waiting to be sent through a channel's REST API."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.conversation.models import ConversationMessage
from bot.db import Base


class ChannelOptOut(Base):
    __tablename__ = "channel_optouts"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    contact: Mapped[str] = mapped_column(String(64), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        from bot.logs import mask_phone

        return f"ChannelOptOut(channel={self.channel!r}, contact={mask_phone(self.contact)!r})"


class TurnClaim(Base):
    """Which process runs (or resumes) the turn of one inbound message, until when; renewed while it runs."""

    __tablename__ = "turn_claims"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("conversation_messages.id", ondelete="CASCADE"), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))  # host:pid:random of the process
    lease_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resumes: Mapped[int] = mapped_column(Integer, default=0)  # how often a process took it over

    def __repr__(self) -> str:
        return f"TurnClaim(message_id={self.message_id}, owner={self.owner!r}, resumes={self.resumes})"


class ReplyOutbox(Base):
    """The bot's replies to one inbound delivery, to be sent through the channel's REST API (no webhook left)."""

    __tablename__ = "reply_outbox"
    __table_args__ = (UniqueConstraint("channel", "delivery_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    delivery_id: Mapped[str] = mapped_column(String(128))  # the inbound message's MessageSid, update_id, ...
    from_number: Mapped[str | None] = mapped_column(String(64))  # our number the driver wrote to, when known
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)  # texts already delivered (never sent twice)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    gave_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return (f"ReplyOutbox(id={self.id}, channel={self.channel!r}, delivery_id={self.delivery_id!r}, "
                f"attempts={self.attempts}, sent={self.sent_at is not None})")


# Finding the turns a dead process left unfinished reads only the few inbound messages not yet processed.
UNFINISHED_INDEX = Index(
    "ix_conversation_messages_unfinished", ConversationMessage.at,
    postgresql_where=(ConversationMessage.processed == false()) & (ConversationMessage.direction == "in"),
    sqlite_where=(ConversationMessage.processed == false()) & (ConversationMessage.direction == "in"))
