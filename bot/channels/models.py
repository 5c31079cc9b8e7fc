"""Channel-level state: who opted out of SMS/WhatsApp (carriers' STOP keyword)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base


class ChannelOptOut(Base):
    __tablename__ = "channel_optouts"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    contact: Mapped[str] = mapped_column(String(64), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        from bot.logs import mask_phone

        return f"ChannelOptOut(channel={self.channel!r}, contact={mask_phone(self.contact)!r})"
