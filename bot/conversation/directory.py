"""The fleet's chargers (id, label, site, connectors) held in memory for a few seconds, shared by every turn.

Resolving "station 12" used to load all chargers from the database on every
turn; with a thousand chargers that was half of a turn's time. The fleet
changes only on `chargeline fleet import`, so a copy up to `ttl` seconds old
is good enough (`invalidate` drops it at once). The same copy gives each
charger's `ChargerProfile`, so a live-state snapshot reads only what the
chargers report.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.fleet.profile import ChargerProfile, load_charger_profiles

DEFAULT_TTL = 30.0


@dataclass(frozen=True)
class Entry:
    """One charger as drivers name it."""

    id: str
    label: str
    site_id: str | None


def norm(text: str) -> str:
    """Lower-case letters and digits only: "CP-1042" and "cp 1042" compare equal."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


class Fleet:
    """An immutable index of the chargers: by normalised id or label, and by the numbers they carry."""

    def __init__(self, entries: list[Entry], profiles: dict[str, ChargerProfile] | None = None) -> None:
        self.entries = entries
        self.profiles = profiles or {}
        self.by_id = {e.id: e for e in entries}
        self.by_name: dict[str, Entry] = {}
        self.by_number: dict[str, list[Entry]] = {}
        for entry in entries:
            for form in (entry.id, entry.label):
                self.by_name.setdefault(norm(form), entry)
            for number in sorted(set(re.findall(r"\d+", entry.id)) | set(re.findall(r"\d+", entry.label))):
                self.by_number.setdefault(number, []).append(entry)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def numbered(self, numbers: set[str]) -> list[Entry]:
        """Chargers whose id or label carries one of these numbers, in id order."""
        if len(numbers) == 1:
            return list(self.by_number.get(next(iter(numbers)), ()))
        seen = {e.id for n in numbers for e in self.by_number.get(n, ())}
        return [e for e in self.entries if e.id in seen]


def load_fleet(session: Session) -> Fleet:
    """Read every charger with its site and connectors (three queries); entries in id order, like the listing."""
    profiles = load_charger_profiles(session)
    return Fleet([Entry(charger_id, profiles[charger_id].label or "", profiles[charger_id].site_id)
                  for charger_id in sorted(profiles)], profiles)


class ChargerDirectory:
    """The fleet index, reloaded at most every `ttl` seconds; safe to share between threads."""

    def __init__(self, sessions: sessionmaker[Session], ttl: float = DEFAULT_TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._sessions = sessions
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._fleet: Fleet | None = None
        self._loaded_at = 0.0

    def fleet(self) -> Fleet:
        """The current index; one thread reloads it when stale while the others wait for the new copy."""
        fleet = self._fleet
        if fleet is not None and self._clock() - self._loaded_at < self.ttl:
            return fleet
        with self._lock:
            if self._fleet is None or self._clock() - self._loaded_at >= self.ttl:
                with self._sessions() as session:
                    self._fleet = load_fleet(session)
                self._loaded_at = self._clock()
            return self._fleet

    def get(self, charger_id: str) -> Entry | None:
        """One charger by id, or None when the copy lacks it."""
        return self.fleet().by_id.get(charger_id)

    def profile(self, charger_id: str) -> ChargerProfile | None:
        """One charger's fleet data for a snapshot, or None when the copy lacks it (the snapshot reads it)."""
        return self.fleet().profiles.get(charger_id)

    def invalidate(self) -> None:
        """Forget the copy (after a fleet import, or when a charger is missing)."""
        with self._lock:
            self._fleet = None
