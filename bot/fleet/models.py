"""Fleet tables: what the operator declares, not what the chargers report."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base

SITE_TYPES = ("fleet_depot", "mixed_use", "highway", "workplace", "street")
CONNECTOR_TYPES = ("CCS2", "CCS1", "CHAdeMO", "Type 2", "Type 1", "NACS", "GB/T", "Schuko")
TOKEN_STATUSES = ("Accepted", "Blocked", "Expired", "Invalid")


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(300))
    payment_methods: Mapped[list[str]] = mapped_column(JSON, default=list)
    emsps: Mapped[list[str]] = mapped_column(JSON, default=list)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    chargers: Mapped[list[Charger]] = relationship(back_populates="site")

    def __repr__(self) -> str:
        return f"Site(id={self.id!r}, type={self.type!r})"


class Charger(Base):
    __tablename__ = "chargers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    label: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # relay mode: this charger's CSMS (the charger id is appended) and the password presented there; the CSMS
    # needs the password itself, so it is kept as given (the fleet file holds it in clear text too)
    upstream_url: Mapped[str | None] = mapped_column(String(500))
    upstream_password: Mapped[str | None] = mapped_column(String(200))
    # OCPP security profile (1 Basic auth, 2 TLS + Basic auth, 3 TLS + client certificate); None: no minimum
    security_profile: Mapped[int | None] = mapped_column(Integer)

    site: Mapped[Site] = relationship(back_populates="chargers")
    connectors: Mapped[list[Connector]] = relationship(
        back_populates="charger", cascade="all, delete-orphan", order_by="Connector.connector_id"
    )

    def __repr__(self) -> str:
        return f"Charger(id={self.id!r}, label={self.label!r}, site_id={self.site_id!r})"


class Connector(Base):
    __tablename__ = "connectors"

    charger_id: Mapped[str] = mapped_column(ForeignKey("chargers.id", ondelete="CASCADE"), primary_key=True)
    connector_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    max_kw: Mapped[float] = mapped_column(Float)

    charger: Mapped[Charger] = relationship(back_populates="connectors")

    def __repr__(self) -> str:
        return f"Connector(charger_id={self.charger_id!r}, connector_id={self.connector_id}, type={self.type!r})"


class IdToken(Base):
    __tablename__ = "id_tokens"

    id_tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    expiry: Mapped[date | None]
    group: Mapped[str | None] = mapped_column("group_id", String(64))

    def __repr__(self) -> str:
        from bot.logs import mask_id_tag

        return f"IdToken(id_tag={mask_id_tag(self.id_tag)!r}, status={self.status!r})"
