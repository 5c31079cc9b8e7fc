"""How a simulated charger answers the CSMS's commands: at once, with the effect after the answer."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ocpp_bridge.simulator.sessions import SessionsMixin

log = logging.getLogger("ocpp_bridge.simulator")
_TRIGGERABLE = {"BootNotification", "Heartbeat", "StatusNotification", "MeterValues"}


class CommandsMixin(SessionsMixin):
    """The version-neutral decisions behind Reset, Unlock, Trigger, remote start/stop and the rest."""

    _fault_cleared: bool
    _rebooting: bool
    config: Any

    def after_answer(self, action: Callable[[], Awaitable[Any]]) -> None:
        raise NotImplementedError  # SimulatedCharger queues it

    def cmd_reset(self, kind: str) -> str:
        """Accept any reset; reboot for real after answering."""
        self.after_answer(lambda: self._reboot(kind))
        return "Accepted"

    async def _reboot(self, kind: str) -> None:
        log.info("%s: rebooting (%s reset)", self.id, kind)
        for c in self.connectors.values():
            if c.tx:
                await self.stop_session(c.id, "HardReset" if kind in ("Hard", "Immediate") else "SoftReset")
            c.plugged = c.finished = c.locked and c.plugged
        if self.behaviour.name == "faulted_until_reset":
            self._fault_cleared = True
        self.faults.clear()
        self._rebooting = True
        if self.station is not None:
            await self.station._connection.close()

    def cmd_unlock(self, connector_id: int) -> str:
        """Unlock a connector: Unlocked, UnlockFailed (broken hardware) or Unknown."""
        if connector_id not in self.connectors:
            return "Unknown"
        if self.behaviour.name == "hardware_fault" and connector_id == self.behaviour["connector"]:
            return "UnlockFailed"
        self.after_answer(lambda: self._release(connector_id))
        return "Unlocked"

    async def _release(self, connector_id: int) -> None:
        c = self.connectors[connector_id]
        if c.tx:
            await self.stop_session(connector_id, "UnlockCommand")
        c.locked = c.plugged = c.finished = False
        await self.refresh(c)

    def cmd_trigger(self, message: str, connector_id: int | None) -> str:
        """Send BootNotification, Heartbeat, StatusNotification or MeterValues on request."""
        if message not in _TRIGGERABLE or (connector_id is not None and connector_id not in self.connectors):
            return "Rejected" if message in _TRIGGERABLE else "NotImplemented"
        self.after_answer(lambda: self._triggered(message, connector_id))
        return "Accepted"

    async def _triggered(self, message: str, connector_id: int | None) -> None:
        station = self.station
        if station is None:
            return
        targets = [self.connectors[connector_id]] if connector_id else list(self.connectors.values())
        if message == "BootNotification":
            await station.boot("Triggered")
        elif message == "Heartbeat":
            await station.heartbeat()
        elif message == "StatusNotification":
            for c in targets:
                await self.refresh(c, force=True)
        else:
            for c in targets:
                if c.tx:
                    self._accumulate(c, c.tx)
                    await station.meter(c.id, c.tx.id, c.tx.seq, int(c.meter_wh), int(c.tx.power_w))

    def cmd_remote_start(self, id_tag: str, connector_id: int | None) -> tuple[str, None]:
        """Accept a remote start on a free, working connector."""
        candidates = [self.connectors.get(connector_id)] if connector_id else list(self.connectors.values())
        c = next((c for c in candidates if c is not None and self._startable(c)), None)
        if c is None:
            return "Rejected", None
        self.after_answer(lambda: self._start(c, id_tag, remote=True))
        return "Accepted", None

    def cmd_remote_stop(self, transaction_id: Any) -> str:
        """Stop the session with this transaction id."""
        c = next((c for c in self.connectors.values() if c.tx and str(c.tx.id) == str(transaction_id)), None)
        if c is None:
            return "Rejected"
        self.after_answer(lambda: self.stop_session(c.id, "Remote"))
        return "Accepted"

    def cmd_change_availability(self, connector_id: int, operative: bool) -> str:
        """Make connectors (0: all) operative or inoperative; Scheduled while charging."""
        targets = list(self.connectors.values()) if connector_id == 0 else [self.connectors.get(connector_id)]
        if any(c is None for c in targets):
            return "Rejected"
        if not operative and any(c.tx for c in targets):  # type: ignore[union-attr]
            return "Scheduled"
        for c in targets:
            c.available = operative  # type: ignore[union-attr]

        async def report() -> None:
            for c in targets:
                await self.refresh(c)  # type: ignore[arg-type]

        self.after_answer(report)
        return "Accepted"

    def cmd_clear_cache(self) -> str:
        """Clear the authorisation cache (there is nothing cached)."""
        return "Accepted"

    def cmd_set_config(self, key: str, value: str) -> str:
        """Change a configuration key."""
        return self.config.set(key, value)
