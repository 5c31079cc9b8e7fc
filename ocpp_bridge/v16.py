"""OCPP 1.6J: answer a charger's CALLs; everything it reports goes through events.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action

from bot.clock import utcnow
from ocpp_bridge import events
from ocpp_bridge.core import Core
from ocpp_bridge.link import LinkMixin
from ocpp_bridge.v16_reports import Reports16


def _tag_info(verdict: events.TokenVerdict) -> dict[str, Any]:
    info: dict[str, Any] = {"status": verdict.status}
    if verdict.expiry is not None:
        info["expiry_date"] = datetime.combine(verdict.expiry, datetime.min.time(), UTC).isoformat()
    if verdict.group:
        info["parent_id_tag"] = verdict.group[:20]
    return info


class ChargePoint16(LinkMixin, Reports16, ChargePoint):
    """One OCPP 1.6J charger connected to this node."""

    protocol = "ocpp1.6"

    def __init__(self, charger_id: str, connection: Any, core: Core) -> None:
        super().__init__(charger_id, connection)
        self.setup_link(core)

    @on(Action.boot_notification)
    async def on_boot_notification(self, charge_point_vendor: str, charge_point_model: str,
                                   firmware_version: str | None = None, charge_point_serial_number: str | None = None,
                                   **kwargs: Any) -> call_result.BootNotification:
        """Record the boot; answer it as the operator set (Accepted unless told otherwise) with its interval."""
        await events.booted(self.core, self.id, charge_point_vendor, charge_point_model, firmware_version,
                            charge_point_serial_number)
        status, interval = await self.boot_answer()
        return call_result.BootNotification(current_time=utcnow().isoformat(), interval=interval, status=status)

    @on(Action.heartbeat)
    async def on_heartbeat(self, **kwargs: Any) -> call_result.Heartbeat:
        """Record the heartbeat."""
        await events.heartbeat(self.core, self.id)
        return call_result.Heartbeat(current_time=utcnow().isoformat())

    @on(Action.status_notification)
    async def on_status_notification(self, connector_id: int, error_code: str, status: str, info: str | None = None,
                                     vendor_error_code: str | None = None, timestamp: str | None = None,
                                     **kwargs: Any) -> call_result.StatusNotification:
        """Record a connector status."""
        await events.status(self.core, self.id, connector_id, status, error_code, vendor_error_code, info, timestamp)
        return call_result.StatusNotification()

    @on(Action.meter_values)
    async def on_meter_values(self, connector_id: int, meter_value: list[dict[str, Any]],
                              transaction_id: int | None = None, **kwargs: Any) -> call_result.MeterValues:
        """Record energy and power of the running session."""
        tx = str(transaction_id) if transaction_id is not None else None
        await events.metered(self.core, self.id, tx, connector_id, meter_value)
        return call_result.MeterValues()

    @on(Action.authorize)
    async def on_authorize(self, id_tag: str, **kwargs: Any) -> call_result.Authorize:
        """Answer from the fleet's token list."""
        verdict = await events.authorize(self.core, self.id, id_tag)
        return call_result.Authorize(id_tag_info=_tag_info(verdict))

    @on(Action.start_transaction)
    async def on_start_transaction(self, connector_id: int, id_tag: str, meter_start: int, timestamp: str,
                                   **kwargs: Any) -> call_result.StartTransaction:
        """Open a session (or refuse the tag, which 1.6 still answers with a transaction id)."""
        verdict = await events.authorize(self.core, self.id, id_tag, connector_id)
        if verdict.status != "Accepted":
            return call_result.StartTransaction(transaction_id=0, id_tag_info=_tag_info(verdict))
        tx = await events.started(self.core, self.id, connector_id, id_tag, float(meter_start), timestamp)
        return call_result.StartTransaction(transaction_id=int(tx), id_tag_info=_tag_info(verdict))

    @on(Action.stop_transaction)
    async def on_stop_transaction(self, meter_stop: int, timestamp: str, transaction_id: int,
                                  reason: str | None = None, transaction_data: list[dict[str, Any]] | None = None,
                                  **kwargs: Any) -> call_result.StopTransaction:
        """Close a session and classify how it ended."""
        if transaction_data:
            await events.metered(self.core, self.id, str(transaction_id), None, transaction_data)
        await events.stopped(self.core, self.id, str(transaction_id), float(meter_stop), reason or "Local", timestamp)
        return call_result.StopTransaction()

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id: str, **kwargs: Any) -> call_result.DataTransfer:
        """No vendor extensions are known to the standalone bridge."""
        return call_result.DataTransfer(status="UnknownVendorId")

    @on(Action.firmware_status_notification)
    async def on_firmware_status_notification(self, status: str, **kwargs: Any) -> call_result.FirmwareStatusNotification:
        """Record the firmware update progress."""
        await events.note(self.core, self.id, "firmware", status, firmware_status=status)
        return call_result.FirmwareStatusNotification()

    @on(Action.diagnostics_status_notification)
    async def on_diagnostics_status_notification(self, status: str,
                                                 **kwargs: Any) -> call_result.DiagnosticsStatusNotification:
        """Record the diagnostics upload progress."""
        await events.note(self.core, self.id, "diagnostics", status, diagnostics_status=status)
        return call_result.DiagnosticsStatusNotification()
