"""A fleet of simulated chargers: built from a fleet file or specs, run in a loop or a thread."""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Self, TypeVar

from bot.fleet.loader import parse_fleet_file
from ocpp_bridge.simulator.charger import SUBPROTOCOLS, SimulatedCharger
from ocpp_bridge.simulator.scenario import Scenario, load_scenario
from ocpp_bridge.simulator.tls import client_context

log = logging.getLogger("ocpp_bridge.simulator")
T = TypeVar("T")
PROTOCOLS = ("1.6", "2.0.1", "mixed")


def load_chargers(source: Iterable[Any] | str | Path) -> list[Any]:
    """Return ChargerSpec-like objects (id, password, connectors) from a fleet file path or a list."""
    if isinstance(source, (str, Path)):
        return list(parse_fleet_file(Path(source)).chargers)
    return list(source)


class SimulatedFleet:
    """Simulated chargers connected to one CSMS; `async with` connects them all and waits for their boots."""

    def __init__(self, url: str, chargers: Iterable[Any] | str | Path,
                 scenario: Scenario | Mapping[str, Any] | str | Path | None = None, protocol: str = "mixed",
                 heartbeat_interval: float | None = None, connect_timeout: float = 30.0,
                 ca_file: Path | None = None, cert_dir: Path | None = None, **charger_options: Any) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}")
        scene = load_scenario(scenario)
        versions = itertools.cycle(SUBPROTOCOLS) if protocol == "mixed" else itertools.repeat(protocol)
        self.url, self.connect_timeout = url, connect_timeout
        self.chargers: dict[str, SimulatedCharger] = {}
        for spec, version in zip(load_chargers(chargers), versions):
            self.chargers[spec.id] = SimulatedCharger(
                spec.id, url, password=getattr(spec, "password", None), protocol=version,
                connectors=[(c.id, c.max_kw) for c in spec.connectors], behaviour=scene.for_charger(spec.id),
                heartbeat_interval=heartbeat_interval,
                ssl_context=client_context(spec.id, ca_file, cert_dir) if url.startswith("wss://") else None,
                **charger_options)
        unknown = set(scene.chargers) - set(self.chargers)
        if unknown:
            log.warning("scenario names chargers not in the fleet: %s", ", ".join(sorted(unknown)))

    def __getitem__(self, charger_id: str) -> SimulatedCharger:
        return self.chargers[charger_id]

    def __iter__(self) -> Iterator[SimulatedCharger]:
        return iter(self.chargers.values())

    def __len__(self) -> int:
        return len(self.chargers)

    def start(self) -> None:
        """Start connecting every charger in the background."""
        for charger in self:
            charger.start()

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Wait until every charger that is meant to be online has booted."""
        await asyncio.gather(*(c.wait_connected(timeout or self.connect_timeout) for c in self
                               if c.behaviour.name != "offline_flapping" or c.boots == 0))

    async def close(self) -> None:
        """Disconnect every charger."""
        await asyncio.gather(*(c.close() for c in self))

    async def __aenter__(self) -> Self:
        self.start()
        try:
            await self.wait_connected()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class FleetThread:
    """A SimulatedFleet running on its own event loop in a thread, for synchronous tests and tools."""

    def __init__(self, fleet: SimulatedFleet) -> None:
        self.fleet = fleet
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="simulated-fleet", daemon=True)

    def __getitem__(self, charger_id: str) -> SimulatedCharger:
        return self.fleet[charger_id]

    def run(self, coro_or_fn: Awaitable[T] | Callable[[], Awaitable[T]], timeout: float = 30) -> T:
        """Run a coroutine (or a function returning one) on the fleet's loop and return its result."""
        coro = coro_or_fn() if callable(coro_or_fn) else coro_or_fn
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]
        return future.result(timeout)

    def start(self, timeout: float | None = None) -> FleetThread:
        """Start the loop, connect every charger and wait for their boots."""
        self._thread.start()
        try:
            self.run(self.fleet.__aenter__(), timeout or self.fleet.connect_timeout + 5)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Disconnect the fleet and end the thread."""
        if self._thread.is_alive():
            try:
                self.run(self.fleet.close(), 15)
            finally:
                self.loop.call_soon_threadsafe(self.loop.stop)
                self._thread.join(10)
        self.loop.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_fleet_in_thread(url: str, chargers: Iterable[Any] | str | Path,
                        scenario: Scenario | Mapping[str, Any] | str | Path | None = None,
                        **options: Any) -> FleetThread:
    """Connect a fleet on a background thread; returns once all have booted (call .stop() after)."""
    return FleetThread(SimulatedFleet(url, chargers, scenario, **options)).start()
