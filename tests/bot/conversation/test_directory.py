"""The engine's in-memory charger directory: one query per TTL, shared by threads, same answers as the database."""

from __future__ import annotations

import threading

from sqlalchemy import event

from bot.conversation.directory import ChargerDirectory
from bot.conversation.slots import resolve_charger
from bot.db import transaction
from bot.fleet.models import Charger
from bot.runtime import Runtime


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _count_charger_queries(runtime: Runtime) -> list[str]:
    seen: list[str] = []

    @event.listens_for(runtime.engine, "before_cursor_execute")
    def _note(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "FROM chargers" in statement:
            seen.append(statement)

    return seen


def _add_charger(runtime: Runtime, charger_id: str, label: str) -> None:
    with transaction(runtime.sessions) as session:
        session.add(Charger(id=charger_id, site_id="berlin-depot", label=label))


def test_the_fleet_is_read_once_within_the_ttl(sqlite_runtime: Runtime) -> None:
    ticks = Ticks()
    directory = ChargerDirectory(sqlite_runtime.sessions, ttl=30, clock=ticks)
    queries = _count_charger_queries(sqlite_runtime)
    for _ in range(20):
        assert resolve_charger(directory.fleet(), "station 12").charger_id == "CP-1042"
    assert len(queries) == 1
    assert directory.get("CP-2001") is not None
    assert directory.get("CP-2001").site_id == "a9-services"  # type: ignore[union-attr]
    assert len(queries) == 1


def test_a_new_charger_is_seen_after_the_ttl_or_an_invalidate(sqlite_runtime: Runtime) -> None:
    ticks = Ticks()
    directory = ChargerDirectory(sqlite_runtime.sessions, ttl=30, clock=ticks)
    assert resolve_charger(directory.fleet(), "CP-9000").charger_id is None
    _add_charger(sqlite_runtime, "CP-9000", "Station 90")
    ticks.now += 29
    assert resolve_charger(directory.fleet(), "CP-9000").charger_id is None  # still the cached copy
    ticks.now += 2
    assert resolve_charger(directory.fleet(), "station 90").charger_id == "CP-9000"
    _add_charger(sqlite_runtime, "CP-9001", "Station 91")
    directory.invalidate()
    assert directory.get("CP-9001") is not None


def test_ambiguous_numbers_give_the_candidates_in_id_order(sqlite_runtime: Runtime) -> None:
    _add_charger(sqlite_runtime, "CP-12", "Bay 7")
    directory = ChargerDirectory(sqlite_runtime.sessions)
    found = resolve_charger(directory.fleet(), "number 12")
    assert found.charger_id is None
    assert found.candidates == (("CP-1042", "Station 12"), ("CP-12", "Bay 7"))
    assert resolve_charger(directory.fleet(), "no digits here").candidates == ()
    assert resolve_charger(directory.fleet(), "").charger_id is None


def test_threads_share_one_load(sqlite_runtime: Runtime) -> None:
    directory = ChargerDirectory(sqlite_runtime.sessions, ttl=30)
    queries = _count_charger_queries(sqlite_runtime)
    start = threading.Barrier(8)
    fleets = []

    def work() -> None:
        start.wait()
        fleets.append(directory.fleet())

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(fleets) == 8
    assert all(f is fleets[0] for f in fleets)
    assert len(queries) == 1
