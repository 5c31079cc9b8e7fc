"""A charger as the fleet file describes it (label, site, connectors), for caches of the whole fleet."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.fleet.models import Charger, Connector, Site


@dataclass(frozen=True)
class ChargerProfile:
    """What the fleet file says about a charger: it changes only on `chargeline fleet import`, so it can be cached."""

    label: str | None
    site_id: str | None
    site_type: str | None
    connectors: tuple[tuple[int, str | None, float | None], ...]  # (id, type, max_kw), by id


def load_charger_profile(session: Session, charger_id: str) -> ChargerProfile | None:
    """One charger's profile (three small queries), or None when the fleet has no such charger."""
    charger = session.get(Charger, charger_id)
    if charger is None:
        return None
    site = session.get(Site, charger.site_id) if charger.site_id is not None else None
    return ChargerProfile(charger.label, charger.site_id, site.type if site is not None else None,
                          tuple(sorted((c.connector_id, c.type, c.max_kw) for c in charger.connectors)))


def load_charger_profiles(session: Session) -> dict[str, ChargerProfile]:
    """Every charger's profile in three queries, for a cache of the whole fleet."""
    site_types: dict[str, str | None] = {row.id: row.type for row in session.execute(select(Site.id, Site.type))}
    connectors: dict[str, list[tuple[int, str | None, float | None]]] = {}
    for row in session.execute(select(Connector.charger_id, Connector.connector_id, Connector.type,
                                      Connector.max_kw)):
        connectors.setdefault(row.charger_id, []).append((row.connector_id, row.type, row.max_kw))
    return {row.id: ChargerProfile(row.label, row.site_id, site_types.get(row.site_id) if row.site_id else None,
                                   tuple(sorted(connectors.get(row.id, ()))))
            for row in session.execute(select(Charger.id, Charger.label, Charger.site_id))}
