"""One simulated charge point: its connection, boot, heartbeat and answers to the CSMS's commands."""

from __future__ import annotations

import asyncio
import base64
import logging
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import quote

from ocpp.exceptions import OCPPError
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidHandshake

from ocpp_bridge.simulator.commands import CommandsMixin
from ocpp_bridge.simulator.config import ChargerConfig
from ocpp_bridge.simulator.scenario import Behaviour
from ocpp_bridge.simulator.script import run_script
from ocpp_bridge.simulator.sessions import Connector
from ocpp_bridge.simulator.v16 import Station16
from ocpp_bridge.simulator.v201 import Station201
from ocpp_bridge.simulator.wire import Received, Sent, new_history

log = logging.getLogger("ocpp_bridge.simulator")
SUBPROTOCOLS = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}
CLOSE_TIMEOUT = 5.0  # seconds close() waits for the charger's tasks to finish


class SimulatedCharger(CommandsMixin):
    """A charge point speaking OCPP 1.6J or 2.0.1 to `url/{id}`, playing one behaviour."""

    def __init__(self, charger_id: str, url: str, *, password: str | None = None, protocol: str = "1.6",
                 connectors: Iterable[tuple[int, float]] = ((1, 22.0),), behaviour: Behaviour | None = None,
                 heartbeat_interval: float | None = None, validate: bool = True, record_sent: bool = True,
                 response_timeout: float = 30.0, ping_interval: float | None = 20.0,
                 reboot_delay: float = 0.2, compression: str | None = "deflate",
                 ssl_context: ssl.SSLContext | None = None) -> None:
        if protocol not in SUBPROTOCOLS:
            raise ValueError(f"protocol must be one of {sorted(SUBPROTOCOLS)}, not {protocol!r}")
        self.id, self.url, self.password, self.protocol = charger_id, url, password, protocol
        self.ssl_context = ssl_context  # wss:// (None: the default context for a wss:// url)
        self.behaviour = behaviour or Behaviour()
        self.connectors = {cid: Connector(cid, float(kw)) for cid, kw in connectors}
        self.heartbeat_interval = heartbeat_interval  # None: what BootNotification's answer says
        self.validate, self.record_sent = validate, record_sent
        self.response_timeout, self.ping_interval, self.reboot_delay = response_timeout, ping_interval, reboot_delay
        self.compression = compression  # offer permessage-deflate (websockets' default) or not
        self.received: deque[Received] = new_history()
        self.sent: deque[Sent] = new_history()
        self.latencies: deque[float] = new_history()
        self.faults: dict[int, str] = {}
        self.boots = self.failed_starts = self.connect_failures = 0
        self.station: Station16 | Station201 | None = None
        self.config = ChargerConfig(heartbeat_interval or 300, self._set_heartbeat)
        self.config.set_value("NumberOfConnectors", str(len(self.connectors)))
        self.log = log
        self._fault_cleared = False  # faulted_until_reset: a Reset has cleared it
        self._online, self._ready = asyncio.Event(), asyncio.Event()
        self._changed = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._conn_tasks: set[asyncio.Task[Any]] = set()
        self._followups: list[Callable[[], Awaitable[Any]]] = []
        self._runner: asyncio.Task[Any] | None = None
        self._rebooting = False
        self._interval = heartbeat_interval or 300.0

    def __repr__(self) -> str:
        return f"<SimulatedCharger {self.id} {self.protocol} {self.behaviour.name}>"

    # --- lifecycle -------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        """Whether the charger is connected and booted."""
        return self._ready.is_set()

    def start(self) -> None:
        """Start connecting (and reconnecting) in the background."""
        self._online.set()
        self._runner = self.spawn(self._run(), f"{self.id}-run")

    async def close(self) -> None:
        """Disconnect for good and stop every task."""
        self._online.clear()
        deadline = time.monotonic() + CLOSE_TIMEOUT
        # a task cancelled mid-command can still start a follow-up: cancel until none is left, never wait forever
        while self._tasks and (left := deadline - time.monotonic()) > 0:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks, timeout=left)
        if self._tasks:
            log.warning("%s: %d task(s) ignored cancellation at close: %s", self.id, len(self._tasks),
                        ", ".join(sorted(t.get_name() for t in self._tasks)))

    async def go_offline(self) -> None:
        """Drop the connection and stay offline until come_back()."""
        self._online.clear()
        if self.station is not None:
            await self.station._connection.close()
        await self.wait_for(lambda: self.station is None, 10)

    async def come_back(self, timeout: float = 10) -> None:
        """Reconnect after go_offline() and wait until booted."""
        self._online.set()
        await self.wait_connected(timeout)

    async def wait_connected(self, timeout: float = 10) -> None:
        """Wait until connected and booted; TimeoutError names the charger."""
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError as exc:
            raise TimeoutError(f"{self.id} did not boot within {timeout} s") from exc

    def notify(self) -> None:
        """Wake everything waiting for a change of state."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10) -> Any:
        """Wait until predicate() is truthy and return its value."""
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.id}: condition not met within {timeout} s")
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                pass
        return value

    async def wait_status(self, connector_id: int, status: str, timeout: float = 10) -> None:
        """Wait until the connector reports this status."""
        await self.wait_for(lambda: self.status(connector_id) == status, timeout)

    async def wait_received(self, action: str, timeout: float = 10, after: int = 0) -> Received:
        """Wait for a command with this action (the first at index >= after) and return it."""
        return await self.wait_for(  # type: ignore[no-any-return]
            lambda: next((r for r in list(self.received)[after:] if r.action == action), None), timeout)

    def spawn(self, coro: Any, name: str, connection: bool = False) -> asyncio.Task[Any]:
        """Run a task whose errors are logged, kept until done."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        for bucket in (self._tasks, self._conn_tasks) if connection else (self._tasks,):
            bucket.add(task)
            task.add_done_callback(bucket.discard)
        task.add_done_callback(self._log_failure)
        return task

    def _log_failure(self, task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and (exc := task.exception()) is not None:
            if isinstance(exc, ConnectionClosedOK):
                log.debug("%s: %s ended with the connection", self.id, task.get_name())
            elif isinstance(exc, (ConnectionClosed, OCPPError, asyncio.TimeoutError, OSError)):
                log.warning("%s: %s stopped: %r", self.id, task.get_name(), exc)
            else:
                log.error("%s: %s failed", self.id, task.get_name(), exc_info=exc)

    def after_answer(self, action: Callable[[], Awaitable[Any]]) -> None:
        """Run this once the current command's answer has been sent."""
        self._followups.append(action)

    def run_followups(self) -> None:
        """Start what the last command scheduled (called after its answer went out)."""
        actions, self._followups = self._followups, []
        for action in actions:
            self.spawn(action(), f"{self.id}-followup")

    # --- connection ------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        if not self.password:
            return {}
        token = base64.b64encode(f"{self.id}:{self.password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def _tls(self) -> dict[str, Any]:
        return {"ssl": self.ssl_context} if self.ssl_context is not None else {}

    async def _run(self) -> None:
        reason, backoff = "PowerUp", 1.0
        while True:
            await self._online.wait()
            uri = f"{self.url.rstrip('/')}/{quote(self.id, safe='')}"
            try:
                async with connect(uri, subprotocols=[SUBPROTOCOLS[self.protocol]],  # type: ignore[list-item]
                                   additional_headers=self._headers(), open_timeout=30,
                                   ping_interval=self.ping_interval, close_timeout=2,
                                   compression=self.compression,
                                   **self._tls()) as ws:
                    self.station = (Station16 if self.protocol == "1.6" else Station201)(self, ws)
                    reader = self.spawn(self.station.start(), f"{self.id}-reader", connection=True)
                    await self._boot(reason)
                    backoff = 1.0
                    await asyncio.wait([reader])
            except (TimeoutError, OSError, InvalidHandshake, OCPPError, ConnectionClosed) as exc:
                self.connect_failures += 1
                log.warning("%s: connection to %s failed or ended: %r", self.id, uri, exc)
            finally:
                self.station = None
                self._ready.clear()
                for task in list(self._conn_tasks):
                    task.cancel()
                self.notify()
            if self._rebooting:
                self._rebooting, reason = False, "Reset"
                await asyncio.sleep(self.reboot_delay)
            elif self._online.is_set():
                reason = "Reconnect"
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    async def _boot(self, reason: str) -> None:
        assert self.station is not None
        while True:
            status, interval = await self.station.boot(reason)
            if status == "Accepted":
                break
            await asyncio.sleep(interval if interval > 0 else 10)  # Pending / Rejected: try again later
        self.boots += 1
        if self.heartbeat_interval is None and interval > 0:
            self._set_heartbeat(interval)
        self._apply_faults()
        await self.station.send_status(0, "Available", "NoError")
        for c in self.connectors.values():
            await self.refresh(c, force=True)
        self._ready.set()
        self.notify()
        log.info("%s: booted (%s, %s, %s)", self.id, self.protocol, reason, self.behaviour.name)
        if self._interval > 0:
            self.spawn(self._heartbeats(), f"{self.id}-heartbeat", connection=True)
        if self.boots == 1:
            self.spawn(run_script(self), f"{self.id}-script")

    def _apply_faults(self) -> None:
        b, cid = self.behaviour, self.behaviour["connector"]
        if cid not in self.connectors:
            return
        if b.name == "hardware_fault" or (b.name == "faulted_until_reset" and not self._fault_cleared):
            self.faults[cid] = b["error_code"]
        if b.name == "cable_locked" and self.boots == 1:
            self.connectors[cid].locked = self.connectors[cid].plugged = True

    def _set_heartbeat(self, seconds: float) -> None:
        self._interval = seconds
        self.config.set_value("HeartbeatInterval", str(int(seconds)))

    async def _heartbeats(self) -> None:
        while self.station is not None:
            await asyncio.sleep(self._interval)
            try:
                await self.station.heartbeat()
            except (TimeoutError, OCPPError) as exc:
                log.warning("%s: heartbeat failed: %r", self.id, exc)
