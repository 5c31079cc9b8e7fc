"""OCPP 2.0.1 wire side of a simulated charger: what it sends and how it answers commands."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from ocpp.exceptions import OCPPError
from ocpp.routing import on
from ocpp.v201 import ChargePoint, call, call_result
from ocpp.v201.enums import Action

from ocpp_bridge.simulator.wire import RecordingMixin, now_iso

if TYPE_CHECKING:
    from ocpp_bridge.simulator.charger import SimulatedCharger

# 2.0.1 has five connector states; the charger models the finer 1.6 ones.
STATUS_201 = {"Preparing": "Occupied", "Charging": "Occupied", "SuspendedEV": "Occupied",
              "SuspendedEVSE": "Occupied", "Finishing": "Occupied"}
STOP_REASON_201 = {"HardReset": "ImmediateReset", "SoftReset": "ImmediateReset", "UnlockCommand": "Other",
                   "Reboot": "Reboot", "DeAuthorized": "DeAuthorized"}
BOOT_REASON_201 = {"PowerUp": "PowerUp", "Reset": "RemoteReset", "Reconnect": "PowerUp"}
_event_ids = itertools.count(1)


def _token(id_tag: str) -> dict[str, str]:
    return {"id_token": id_tag, "type": "ISO14443"}


class Station201(RecordingMixin, ChargePoint):
    """A 2.0.1 charging station (one connector per EVSE) driven by the version-neutral charger."""

    version = "2.0.1"

    def __init__(self, charger: SimulatedCharger, connection: Any) -> None:
        super().__init__(charger.id, connection, response_timeout=charger.response_timeout)
        self.charger = charger

    # --- messages the charger sends -------------------------------------------------
    async def boot(self, reason: str) -> tuple[str, int]:
        """Send BootNotification; return (status, interval)."""
        result = await self.send(call.BootNotification(
            charging_station={"model": "ChargeLine-Sim", "vendor_name": "ChargeLine", "firmware_version": "sim-1.0",
                              "serial_number": self.charger.id[:25]},
            reason=BOOT_REASON_201.get(reason, "Unknown")))
        return result.status, int(result.interval)

    async def heartbeat(self) -> str:
        """Send Heartbeat; return the CSMS's time."""
        return (await self.send(call.Heartbeat())).current_time

    async def send_status(self, connector_id: int, status: str, error_code: str) -> None:
        """Send StatusNotification for one EVSE's connector (connector 0 has no 2.0.1 status)."""
        if connector_id == 0:
            return
        await self.send(call.StatusNotification(
            timestamp=now_iso(), connector_status=STATUS_201.get(status, status), evse_id=connector_id,
            connector_id=1))

    async def fault_detail(self, connector_id: int, error_code: str) -> None:
        """Report a fault's error code as a NotifyEvent (2.0.1 StatusNotification has none)."""
        try:
            await self._notify_fault(connector_id, error_code)
        except OCPPError as exc:  # a CSMS without NotifyEvent still gets the Faulted status
            self.charger.log.warning("%s: NotifyEvent refused by the CSMS: %r", self.charger.id, exc)

    async def _notify_fault(self, connector_id: int, error_code: str) -> None:
        await self.send(call.NotifyEvent(generated_at=now_iso(), seq_no=0, event_data=[{
            "event_id": next(_event_ids), "timestamp": now_iso(), "trigger": "Alerting", "actual_value": "true",
            "tech_code": error_code, "event_notification_type": "HardWiredNotification",
            "component": {"name": "Connector", "evse": {"id": connector_id, "connector_id": 1}},
            "variable": {"name": "Problem"}}]))

    async def authorize(self, id_tag: str) -> str:
        """Send Authorize; return the id token status."""
        return (await self.send(call.Authorize(id_token=_token(id_tag)))).id_token_info["status"]

    async def start_tx(self, connector_id: int, id_tag: str, meter_wh: int, remote: bool) -> tuple[Any, str]:
        """Send TransactionEvent Started; return (transaction id, id token status)."""
        tx_id = self.charger.new_transaction_id()
        result = await self.send(call.TransactionEvent(
            event_type="Started", timestamp=now_iso(), trigger_reason="RemoteStart" if remote else "Authorized",
            seq_no=0, transaction_info={"transaction_id": tx_id, "charging_state": "Charging"},
            evse={"id": connector_id, "connector_id": 1}, id_token=_token(id_tag),
            meter_value=[_meter(meter_wh, 0)]))
        info = result.id_token_info or {"status": "Accepted"}
        return tx_id, info["status"]

    async def meter(self, connector_id: int, tx_id: Any, seq: int, energy_wh: int, power_w: int) -> None:
        """Send TransactionEvent Updated with the energy register and power."""
        await self.send(call.TransactionEvent(
            event_type="Updated", timestamp=now_iso(), trigger_reason="MeterValuePeriodic", seq_no=seq,
            transaction_info={"transaction_id": tx_id, "charging_state": "Charging"},
            meter_value=[_meter(energy_wh, power_w)]))

    async def stop_tx(self, connector_id: int, tx_id: Any, seq: int, energy_wh: int, reason: str,
                      id_tag: str | None) -> None:
        """Send TransactionEvent Ended with its stopped reason."""
        trigger = {"EVDisconnected": "EVCommunicationLost", "Remote": "RemoteStop", "Local": "StopAuthorized",
                   "PowerLoss": "AbnormalCondition"}.get(reason, "AbnormalCondition")
        await self.send(call.TransactionEvent(
            event_type="Ended", timestamp=now_iso(), trigger_reason=trigger, seq_no=seq,
            transaction_info={"transaction_id": tx_id, "stopped_reason": STOP_REASON_201.get(reason, reason),
                              "charging_state": "Idle"},
            meter_value=[_meter(energy_wh, 0)]))

    # --- commands from the CSMS ------------------------------------------------------
    @on(Action.reset)
    def on_reset(self, type: str, evse_id: int | None = None, **kwargs: Any) -> call_result.Reset:
        """Accept a reset and reboot after answering."""
        return call_result.Reset(status=self.answer(self.charger.cmd_reset(type)))

    @on(Action.unlock_connector)
    def on_unlock_connector(self, evse_id: int, connector_id: int, **kwargs: Any) -> call_result.UnlockConnector:
        """Unlock the EVSE's connector unless the hardware is broken."""
        status = self.charger.cmd_unlock(evse_id)
        return call_result.UnlockConnector(status=self.answer("UnknownConnector" if status == "Unknown" else status))

    @on(Action.trigger_message)
    def on_trigger_message(self, requested_message: str, evse: dict[str, Any] | None = None,
                           **kwargs: Any) -> call_result.TriggerMessage:
        """Send the requested message after answering."""
        connector = (evse or {}).get("id")
        return call_result.TriggerMessage(status=self.answer(self.charger.cmd_trigger(requested_message, connector)))

    @on(Action.request_start_transaction)
    def on_request_start_transaction(self, id_token: dict[str, Any], remote_start_id: int,
                                     evse_id: int | None = None,
                                     **kwargs: Any) -> call_result.RequestStartTransaction:
        """Start a session for the CSMS if the EVSE can."""
        status, _ = self.charger.cmd_remote_start(id_token["id_token"], evse_id)
        return call_result.RequestStartTransaction(status=self.answer(status))

    @on(Action.request_stop_transaction)
    def on_request_stop_transaction(self, transaction_id: str,
                                    **kwargs: Any) -> call_result.RequestStopTransaction:
        """Stop the session with this transaction id."""
        return call_result.RequestStopTransaction(status=self.answer(self.charger.cmd_remote_stop(transaction_id)))

    @on(Action.change_availability)
    def on_change_availability(self, operational_status: str, evse: dict[str, Any] | None = None,
                               **kwargs: Any) -> call_result.ChangeAvailability:
        """Make an EVSE (or the whole station) operative or inoperative."""
        status = self.charger.cmd_change_availability((evse or {}).get("id", 0), operational_status == "Operative")
        return call_result.ChangeAvailability(status=self.answer(status))

    @on(Action.clear_cache)
    def on_clear_cache(self, **kwargs: Any) -> call_result.ClearCache:
        """Clear the (simulated) authorisation cache."""
        return call_result.ClearCache(status=self.answer(self.charger.cmd_clear_cache()))

    @on(Action.get_variables)
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **kwargs: Any) -> call_result.GetVariables:
        """Report variables; the component is ignored, the variable name is the 1.6 key."""
        results = []
        for item in get_variable_data:
            name = item["variable"]["name"]
            known, _ = self.charger.config.get([name])
            result = {"attribute_status": "Accepted" if name in known else "UnknownVariable",
                      "component": item["component"], "variable": item["variable"]}
            if name in known:
                result["attribute_value"] = known[name][0]
            results.append(result)
        self.answer("Accepted")
        return call_result.GetVariables(get_variable_result=results)

    @on(Action.set_variables)
    def on_set_variables(self, set_variable_data: list[dict[str, Any]], **kwargs: Any) -> call_result.SetVariables:
        """Set variables by name; unknown ones are reported, read-only ones rejected."""
        results = []
        for item in set_variable_data:
            status = self.charger.cmd_set_config(item["variable"]["name"], str(item["attribute_value"]))
            results.append({"attribute_status": "UnknownVariable" if status == "NotSupported" else status,
                            "component": item["component"], "variable": item["variable"]})
        self.answer("Accepted")
        return call_result.SetVariables(set_variable_result=results)


def _meter(energy_wh: int, power_w: int) -> dict[str, Any]:
    return {"timestamp": now_iso(), "sampled_value": [
        {"value": energy_wh, "measurand": "Energy.Active.Import.Register", "unit_of_measure": {"unit": "Wh"}},
        {"value": power_w, "measurand": "Power.Active.Import", "unit_of_measure": {"unit": "W"}}]}
