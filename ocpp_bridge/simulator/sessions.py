"""Connector state and the driver's actions at the station: plug, card, charge, unplug."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from ocpp.exceptions import OCPPError
from websockets.exceptions import ConnectionClosed

from ocpp_bridge.simulator.scenario import Behaviour

log = logging.getLogger("ocpp_bridge.simulator")


class ChargerOffline(Exception):
    """The simulated charger has no connection to the CSMS right now."""


@dataclass
class Transaction:
    id: Any
    id_tag: str
    power_w: float
    energy_wh: float = 0.0
    seq: int = 1
    started: float = field(default_factory=time.monotonic)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)


@dataclass
class Connector:
    id: int
    max_kw: float
    status: str = "Available"
    error_code: str = "NoError"
    plugged: bool = False
    finished: bool = False  # a session ended and the cable is still in
    locked: bool = False  # the cable is stuck until UnlockConnector
    available: bool = True
    tx: Transaction | None = None
    meter_wh: float = 0.0  # the register keeps counting across sessions


class SessionsMixin:
    """Driver actions and sessions; mixed into SimulatedCharger, which provides the wire."""

    id: str
    behaviour: Behaviour
    connectors: dict[int, Connector]
    faults: dict[int, str]
    failed_starts: int

    # provided by SimulatedCharger
    station: Any

    def spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        raise NotImplementedError  # SimulatedCharger runs the tasks

    def notify(self) -> None:
        raise NotImplementedError

    def connector(self, connector_id: int | None) -> Connector:
        """Return a connector by id (None: the behaviour's connector); KeyError names the charger."""
        cid = self.behaviour["connector"] if connector_id is None else int(connector_id)
        if cid not in self.connectors:
            raise KeyError(f"{self.id} has no connector {cid} (has {sorted(self.connectors)})")
        return self.connectors[cid]

    def status(self, connector_id: int = 1) -> str:
        """Return the connector's last reported status (OCPP 1.6 vocabulary for both versions)."""
        return self.connector(connector_id).status

    def error_code(self, connector_id: int = 1) -> str:
        """Return the error code of the connector's last reported status (NoError unless Faulted)."""
        return self.connector(connector_id).error_code

    def transaction_id(self, connector_id: int = 1) -> Any:
        """Return the id of the connector's running transaction, or None."""
        tx = self.connector(connector_id).tx
        return tx.id if tx else None

    def _wanted(self, c: Connector) -> tuple[str, str]:
        if c.id in self.faults:
            return "Faulted", self.faults[c.id]
        if not c.available:
            return "Unavailable", "NoError"
        if c.tx:
            return "Charging", "NoError"
        if c.locked or (c.plugged and c.finished):
            return "Finishing", "NoError"
        return ("Preparing" if c.plugged else "Available"), "NoError"

    async def refresh(self, c: Connector, force: bool = False) -> None:
        """Report the connector's status if it changed (or always, when forced)."""
        status, error = self._wanted(c)
        if not force and (status, error) == (c.status, c.error_code):
            return
        c.status, c.error_code = status, error
        self.notify()
        if self.station is None:
            return
        await self.station.send_status(c.id, status, error)
        if status == "Faulted":
            await self.station.fault_detail(c.id, error)

    def _require_station(self) -> Any:
        if self.station is None:
            raise ChargerOffline(f"{self.id} is not connected")
        return self.station

    async def plug_in(self, connector_id: int = 1) -> str:
        """Plug a car in; return the connector's status."""
        c = self.connector(connector_id)
        if not c.locked and not c.tx:
            c.plugged, c.finished = True, False
            await self.refresh(c)
        return c.status

    async def present_card(self, id_tag: str | None = None, connector_id: int | None = None) -> str:
        """Hold a card to the reader: Authorize, then start if accepted; return the CSMS's answer."""
        tag = id_tag or self.behaviour["id_tag"]
        answer = await self._require_station().authorize(tag)
        log.info("%s: card presented, CSMS answered %s", self.id, answer)
        if answer == "Accepted":
            await self._start(self.connector(connector_id), tag, remote=False)
        return str(answer)

    async def start_session(self, connector_id: int = 1, id_tag: str | None = None) -> Any:
        """Start charging without Authorize; return the transaction id, or None if it did not start."""
        return await self._start(self.connector(connector_id), id_tag or self.behaviour["id_tag"], remote=False)

    async def stop_session(self, connector_id: int = 1, reason: str = "Local") -> bool:
        """Stop the connector's session with this reason; return whether one was running."""
        c = self.connector(connector_id)
        tx = c.tx
        if tx is None:
            return False
        for task in tx.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        self._accumulate(c, tx)
        c.tx, c.finished = None, True
        if self.station is not None:
            await self.station.stop_tx(c.id, tx.id, tx.seq, int(c.meter_wh), reason, tx.id_tag)
        log.info("%s: session %s on connector %d stopped (%s)", self.id, tx.id, c.id, reason)
        await self.refresh(c)
        return True

    async def unplug(self, connector_id: int = 1) -> str:
        """Pull the cable out (stopping a running session); return the connector's status."""
        c = self.connector(connector_id)
        if c.locked:
            return c.status  # the cable is stuck
        if c.tx:
            await self.stop_session(c.id, "EVDisconnected")
        c.plugged = c.finished = False
        if self.faults.get(c.id) == "EVCommunicationError" and self.behaviour.name == "failed_starts":
            del self.faults[c.id]  # the vehicle fault goes with the vehicle
        await self.refresh(c)
        return c.status

    def new_transaction_id(self) -> str:
        """A transaction id as a 2.0.1 station makes it."""
        return str(uuid.uuid4())

    def _startable(self, c: Connector) -> bool:
        return c.id not in self.faults and c.available and not c.locked and c.tx is None

    async def _start(self, c: Connector, tag: str, remote: bool) -> Any:
        station = self._require_station()
        if not self._startable(c):
            log.info("%s: connector %d cannot start (%s)", self.id, c.id, c.status)
            return None
        c.plugged, c.finished = True, False
        await self.refresh(c)
        if self.behaviour.name == "failed_starts" and c.id == self.behaviour["connector"]:
            return await self._fail_start(c)
        power_kw = self.behaviour["power_kw"] or c.max_kw * 0.8
        tx_id, answer = await station.start_tx(c.id, tag, int(c.meter_wh), remote)
        c.tx = tx = Transaction(tx_id, tag, power_kw * 1000)
        if answer != "Accepted":
            await self.stop_session(c.id, "DeAuthorized")
            return None
        log.info("%s: session %s started on connector %d at %.1f kW", self.id, tx_id, c.id, power_kw)
        await self.refresh(c)
        tx.tasks.append(self.spawn(self._meter_loop(c, tx), f"{self.id}-meter"))
        if self.behaviour.name == "stops_midway":
            tx.tasks.append(self.spawn(self._stop_after(c, tx), f"{self.id}-stop"))
        return tx_id

    async def _fail_start(self, c: Connector) -> None:
        self.failed_starts += 1
        if self.behaviour["end_status"] == "Faulted":
            self.faults[c.id] = self.behaviour["error_code"]
        else:
            c.plugged = False  # the vehicle was not detected; the station gives up
        log.info("%s: start on connector %d failed (%s)", self.id, c.id, self.behaviour["error_code"])
        await self.refresh(c)

    def _accumulate(self, c: Connector, tx: Transaction) -> None:
        now = time.monotonic()
        elapsed = now - getattr(tx, "_last", tx.started)
        tx._last = now  # type: ignore[attr-defined]
        delta = tx.power_w * elapsed / 3600
        tx.energy_wh += delta
        c.meter_wh += delta

    async def _meter_loop(self, c: Connector, tx: Transaction) -> None:
        while True:
            await asyncio.sleep(self.behaviour["meter_interval"])
            self._accumulate(c, tx)
            tx.seq += 1
            if self.station is None:
                continue  # offline: the sample is lost, the register keeps counting
            try:
                await self.station.meter(c.id, tx.id, tx.seq, int(c.meter_wh), int(tx.power_w))
            except (TimeoutError, ConnectionClosed, OCPPError) as exc:
                log.warning("%s: meter values not delivered: %s", self.id, exc)

    async def _stop_after(self, c: Connector, tx: Transaction) -> None:
        await asyncio.sleep(self.behaviour["after"])
        if c.tx is tx:
            await self.stop_session(c.id, self.behaviour["reason"])
