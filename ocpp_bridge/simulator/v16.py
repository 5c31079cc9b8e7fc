"""OCPP 1.6J wire side of a simulated charger: what it sends and how it answers commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action

from ocpp_bridge.simulator.wire import RecordingMixin, now_iso

if TYPE_CHECKING:
    from ocpp_bridge.simulator.charger import SimulatedCharger


class Station16(RecordingMixin, ChargePoint):
    """A 1.6J charge point whose decisions are made by the version-neutral charger."""

    version = "1.6"

    def __init__(self, charger: SimulatedCharger, connection: Any) -> None:
        super().__init__(charger.id, connection, response_timeout=charger.response_timeout)
        self.charger = charger

    # --- messages the charger sends -------------------------------------------------
    async def boot(self, reason: str) -> tuple[str, int]:
        """Send BootNotification; return (status, interval)."""
        result = await self.send(call.BootNotification(
            charge_point_model="ChargeLine-Sim", charge_point_vendor="ChargeLine",
            firmware_version="sim-1.0", charge_point_serial_number=self.charger.id[:25]))
        return result.status, int(result.interval)

    async def heartbeat(self) -> str:
        """Send Heartbeat; return the CSMS's time."""
        return (await self.send(call.Heartbeat())).current_time

    async def send_status(self, connector_id: int, status: str, error_code: str) -> None:
        """Send StatusNotification for one connector (0 = the whole charge point)."""
        await self.send(call.StatusNotification(
            connector_id=connector_id, error_code=error_code or "NoError", status=status, timestamp=now_iso()))

    async def authorize(self, id_tag: str) -> str:
        """Send Authorize; return the id tag status."""
        return (await self.send(call.Authorize(id_tag=id_tag))).id_tag_info["status"]

    async def start_tx(self, connector_id: int, id_tag: str, meter_wh: int, remote: bool) -> tuple[Any, str]:
        """Send StartTransaction; return (transaction id, id tag status)."""
        result = await self.send(call.StartTransaction(
            connector_id=connector_id, id_tag=id_tag, meter_start=meter_wh, timestamp=now_iso()))
        return result.transaction_id, result.id_tag_info["status"]

    async def meter(self, connector_id: int, tx_id: Any, seq: int, energy_wh: int, power_w: int) -> None:
        """Send MeterValues with the energy register and the present power."""
        await self.send(call.MeterValues(connector_id=connector_id, transaction_id=tx_id, meter_value=[{
            "timestamp": now_iso(), "sampled_value": [
                {"value": str(energy_wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": str(power_w), "measurand": "Power.Active.Import", "unit": "W"}]}]))

    async def stop_tx(self, connector_id: int, tx_id: Any, seq: int, energy_wh: int, reason: str,
                      id_tag: str | None) -> None:
        """Send StopTransaction with its reason."""
        await self.send(call.StopTransaction(meter_stop=energy_wh, timestamp=now_iso(), transaction_id=tx_id,
                                             reason=reason, id_tag=id_tag))

    async def fault_detail(self, connector_id: int, error_code: str) -> None:
        """1.6 carries the error code in StatusNotification itself: nothing more to send."""

    # --- commands from the CSMS ------------------------------------------------------
    @on(Action.reset)
    def on_reset(self, type: str, **kwargs: Any) -> call_result.Reset:
        """Accept a reset and reboot after answering."""
        return call_result.Reset(status=self.answer(self.charger.cmd_reset(type)))

    @on(Action.unlock_connector)
    def on_unlock_connector(self, connector_id: int, **kwargs: Any) -> call_result.UnlockConnector:
        """Unlock the connector unless the hardware is broken."""
        status = self.charger.cmd_unlock(connector_id)
        return call_result.UnlockConnector(status=self.answer("NotSupported" if status == "Unknown" else status))

    @on(Action.trigger_message)
    def on_trigger_message(self, requested_message: str, connector_id: int | None = None,
                           **kwargs: Any) -> call_result.TriggerMessage:
        """Send the requested message after answering."""
        return call_result.TriggerMessage(status=self.answer(self.charger.cmd_trigger(requested_message, connector_id)))

    @on(Action.remote_start_transaction)
    def on_remote_start_transaction(self, id_tag: str, connector_id: int | None = None,
                                    **kwargs: Any) -> call_result.RemoteStartTransaction:
        """Start a session for the CSMS if the connector can."""
        status, _ = self.charger.cmd_remote_start(id_tag, connector_id)
        return call_result.RemoteStartTransaction(status=self.answer(status))

    @on(Action.remote_stop_transaction)
    def on_remote_stop_transaction(self, transaction_id: int, **kwargs: Any) -> call_result.RemoteStopTransaction:
        """Stop the session with this transaction id."""
        return call_result.RemoteStopTransaction(status=self.answer(self.charger.cmd_remote_stop(transaction_id)))

    @on(Action.change_availability)
    def on_change_availability(self, connector_id: int, type: str,
                               **kwargs: Any) -> call_result.ChangeAvailability:
        """Make a connector (0 = all) operative or inoperative."""
        status = self.charger.cmd_change_availability(connector_id, type == "Operative")
        return call_result.ChangeAvailability(status=self.answer(status))

    @on(Action.clear_cache)
    def on_clear_cache(self, **kwargs: Any) -> call_result.ClearCache:
        """Clear the (simulated) authorisation cache."""
        return call_result.ClearCache(status=self.answer(self.charger.cmd_clear_cache()))

    @on(Action.get_configuration)
    def on_get_configuration(self, key: list[str] | None = None, **kwargs: Any) -> call_result.GetConfiguration:
        """Report configuration keys (all, or those asked for)."""
        known, unknown = self.charger.config.get(key)
        self.answer("Accepted")
        return call_result.GetConfiguration(
            configuration_key=[{"key": k, "readonly": ro, "value": v} for k, (v, ro) in known.items()],
            unknown_key=unknown or None)

    @on(Action.change_configuration)
    def on_change_configuration(self, key: str, value: str, **kwargs: Any) -> call_result.ChangeConfiguration:
        """Change one configuration key."""
        return call_result.ChangeConfiguration(status=self.answer(self.charger.cmd_set_config(key, value)))
