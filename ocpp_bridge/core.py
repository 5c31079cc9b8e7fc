"""The version-neutral core: options, the database seam, live links, and observations.

The protocol handler classes (v16.py, v201.py) answer CALLs and report what
they saw here; commands (commands.py) send through a link and watch the same
observations to verify their effect. Keeping "observe", "answer" and "send"
apart is what let relay mode (relay.py) be an addition: there the operator's CSMS
answers, relay_observe.py observes the passing frames, and commands are sent
through a RelayLink.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from bot.config import Settings
from ocpp_bridge.store import Store, utcnow
from ocpp_bridge.writer import Writer

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class BridgeOptions:
    """Tunables of one bridge node (defaults suit production; tests shorten the timeouts)."""

    node_id: str = "local"
    heartbeat_interval: int = 300
    boot_retry: int = 60  # seconds a charger answered Pending or Rejected waits before booting again
    offline_factor: float = 2.5  # missed-heartbeat window, in heartbeat intervals
    command_timeout: float = 30.0
    verify_timeout: float = 60.0
    max_frame: int = 64 * 1024
    rate_per_second: float | None = 10.0  # frames a charger may send per second (None: no limit)
    rate_burst: int = 60
    flood_close_after: int | None = 200  # frames refused within flood_window that close the socket (None: never)
    flood_window: float = 10.0
    max_connectors: int = 8  # connector ids 1..max_connectors when the fleet lists none for a charger
    db_threads: int = 4  # reads (tokens, auth, policy); every write goes through the one writer
    write_batch: int = 200  # writes committed in one transaction at most
    heartbeat_flush: float = 2.0  # seconds between the batched last_heartbeat/last_seen UPDATEs
    # OCPP heartbeats and the watchdog already find dead chargers; websockets pings cost 26% of the loop at 10k
    ping_interval: float | None = None
    compression: str | None = None  # "deflate" to offer permessage-deflate (~40 KiB and ~10% CPU per connection)
    gc_freeze: bool = True
    watchdog_period: float = 15.0
    lease_seconds: float = 90.0  # a node that stops renewing this long has its chargers counted offline (lease.py)


def options_from_settings(settings: Settings, **overrides: Any) -> BridgeOptions:
    """The node's options with the operator's rate and flood limits (CHARGELINE_OCPP_RATE_LIMIT, ..._FLOOD_LIMIT)."""
    rate, flood = settings.ocpp_rate_limit, settings.ocpp_flood_limit
    limits: dict[str, Any] = {
        "rate_per_second": rate.limit / rate.window if rate else None,
        "rate_burst": rate.limit if rate else BridgeOptions.rate_burst,
        "flood_close_after": flood.limit if flood else None,
        "flood_window": flood.window if flood else BridgeOptions.flood_window,
        "lease_seconds": settings.bridge_lease_seconds,
    }
    return BridgeOptions(**{**limits, **overrides})


class Link(Protocol):
    """A live connection to one charger, whatever its protocol."""

    id: str
    protocol: str

    async def send_call(self, payload: Any) -> Any: ...

    async def send_raw(self, action: str, payload: dict[str, Any]) -> dict[str, Any]: ...

    async def close(self, code: int, reason: str) -> None: ...


@dataclass
class Presence:
    link: Link
    last_seen: float = field(default_factory=time.monotonic)


class Core:
    """Shared by every connection of one node: the store, live links and observers."""

    def __init__(self, store: Store, options: BridgeOptions) -> None:
        self.store = store
        self.options = options
        self.links: dict[str, Presence] = {}
        self._watchers: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._pool = ThreadPoolExecutor(max_workers=options.db_threads, thread_name_prefix="bridge-db")
        self.writer = Writer(store.sessions, options.write_batch)
        self._beats: dict[str, datetime] = {}
        self.on_connect: list[Callable[[str], Any]] = []
        self.on_disconnect: list[Callable[[str], Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any]:
        """Start a background task that is kept referenced and whose failure is logged."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("background task failed: %s", what, exc_info=t.exception())

        task.add_done_callback(done)
        return task

    async def drain(self) -> None:
        """Cancel and await the background tasks (shutdown)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking store call off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: fn(*args, **kwargs))

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a store write through the node's writer; returns once its batch is committed."""
        return await self.writer.submit(fn, *args, **kwargs)  # type: ignore[no-any-return]

    def beat(self, charger_id: str) -> None:
        """Note a heartbeat in memory; flush_heartbeats() writes it."""
        self._beats[charger_id] = utcnow()

    async def flush_heartbeats(self) -> None:
        """Write the heartbeats noted since the last flush in one batched UPDATE."""
        if not self._beats:
            return
        beats, self._beats = self._beats, {}
        try:
            await self.write(self.store.heartbeats, beats)
        except BaseException:
            for charger_id, at in beats.items():  # keep them for the next flush; newer beats win
                self._beats.setdefault(charger_id, at)
            raise

    async def flush(self) -> None:
        """Commit every heartbeat and write handed in so far (readers of the database then see them)."""
        await self.flush_heartbeats()
        await self.writer.flush()

    async def heartbeat_flusher(self) -> None:
        """Background task: flush heartbeats every `heartbeat_flush` seconds."""
        while True:
            await asyncio.sleep(self.options.heartbeat_flush)
            try:
                await self.flush_heartbeats()
            except Exception:
                log.exception("writing heartbeats failed; they are retried with the next flush")

    async def close(self) -> None:
        """Write what is pending (heartbeats, queued writes), then stop the writer and the read threads."""
        try:
            await self.flush_heartbeats()
        except Exception:
            log.exception("writing the last heartbeats failed")
        await asyncio.to_thread(self.writer.close)
        self._pool.shutdown(wait=True)

    # --- presence ---------------------------------------------------------
    def attach(self, link: Link) -> Link | None:
        """Register a live link; returns the one it replaces, if any."""
        old = self.links.get(link.id)
        self.links[link.id] = Presence(link)
        for callback in self.on_connect:
            callback(link.id)
        return old.link if old else None

    def detach(self, link: Link) -> bool:
        """Forget a link unless a newer connection already replaced it; True if it was current."""
        presence = self.links.get(link.id)
        if presence is None or presence.link is not link:
            return False
        del self.links[link.id]
        for callback in self.on_disconnect:
            callback(link.id)
        return True

    def link(self, charger_id: str) -> Link | None:
        presence = self.links.get(charger_id)
        return presence.link if presence else None

    def seen(self, charger_id: str) -> None:
        presence = self.links.get(charger_id)
        if presence is not None:
            presence.last_seen = time.monotonic()

    def silent(self) -> list[Link]:
        """Links that missed heartbeats for longer than the offline window."""
        limit = time.monotonic() - self.options.heartbeat_interval * self.options.offline_factor
        return [p.link for p in self.links.values() if p.last_seen < limit]

    # --- observations -----------------------------------------------------
    def observe(self, charger_id: str, event: dict[str, Any]) -> None:
        """Hand an event a charger reported to every command waiting to verify its effect."""
        for queue in self._watchers.get(charger_id, ()):
            queue.put_nowait(event)

    @contextlib.contextmanager
    def watch(self, charger_id: str) -> Iterator[asyncio.Queue[dict[str, Any]]]:
        """Collect the charger's events for as long as the block runs."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._watchers.setdefault(charger_id, set()).add(queue)
        try:
            yield queue
        finally:
            watchers = self._watchers.get(charger_id)
            if watchers is not None:
                watchers.discard(queue)
                if not watchers:
                    del self._watchers[charger_id]
