"""OCPP 2.0.1: answer a charger's CALLs; everything it reports goes through events.py.

Each EVSE is one of our connectors (EVSE id = the fleet file's connector id).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ocpp.routing import on
from ocpp.v201 import ChargePoint, call_result
from ocpp.v201.enums import Action

from bot.clock import utcnow
from ocpp_bridge import events, reports
from ocpp_bridge.core import Core
from ocpp_bridge.link import LinkMixin
from ocpp_bridge.v201_reports import Reports201


def _token_info(verdict: events.TokenVerdict) -> dict[str, Any]:
    info: dict[str, Any] = {"status": verdict.status}
    if verdict.expiry is not None:
        info["cache_expiry_date_time"] = datetime.combine(verdict.expiry, datetime.min.time(), UTC).isoformat()
    if verdict.group:
        info["group_id_token"] = {"id_token": verdict.group, "type": "Central"}
    return info


class ChargePoint201(LinkMixin, Reports201, ChargePoint):
    """One OCPP 2.0.1 charging station connected to this node."""

    protocol = "ocpp2.0.1"

    def __init__(self, charger_id: str, connection: Any, core: Core) -> None:
        super().__init__(charger_id, connection)
        self.setup_link(core)

    @on(Action.boot_notification)
    async def on_boot_notification(self, charging_station: dict[str, Any], reason: str,
                                   **kwargs: Any) -> call_result.BootNotification:
        """Record the boot; answer it as the operator set (Accepted unless told otherwise) with its interval."""
        await events.booted(self.core, self.id, charging_station.get("vendor_name", ""),
                            charging_station.get("model", ""), charging_station.get("firmware_version"),
                            charging_station.get("serial_number"))
        status, interval = await self.boot_answer()
        return call_result.BootNotification(current_time=utcnow().isoformat(), interval=interval, status=status)

    @on(Action.heartbeat)
    async def on_heartbeat(self, **kwargs: Any) -> call_result.Heartbeat:
        """Record the heartbeat."""
        await events.heartbeat(self.core, self.id)
        return call_result.Heartbeat(current_time=utcnow().isoformat())

    @on(Action.status_notification)
    async def on_status_notification(self, timestamp: str, connector_status: str, evse_id: int, connector_id: int,
                                     **kwargs: Any) -> call_result.StatusNotification:
        """Record an EVSE's status."""
        await events.status(self.core, self.id, evse_id, connector_status, timestamp=timestamp)
        return call_result.StatusNotification()

    @on(Action.meter_values)
    async def on_meter_values(self, evse_id: int, meter_value: list[dict[str, Any]],
                              **kwargs: Any) -> call_result.MeterValues:
        """Record energy and power of the running session."""
        await events.metered(self.core, self.id, None, evse_id, meter_value)
        return call_result.MeterValues()

    @on(Action.authorize)
    async def on_authorize(self, id_token: dict[str, Any], **kwargs: Any) -> call_result.Authorize:
        """Answer from the fleet's token list."""
        verdict = await events.authorize(self.core, self.id, id_token.get("id_token", ""))
        return call_result.Authorize(id_token_info=_token_info(verdict))

    @on(Action.transaction_event)
    async def on_transaction_event(self, event_type: str, timestamp: str, trigger_reason: str, seq_no: int,
                                   transaction_info: dict[str, Any], meter_value: list[dict[str, Any]] | None = None,
                                   id_token: dict[str, Any] | None = None, evse: dict[str, Any] | None = None,
                                   **kwargs: Any) -> call_result.TransactionEvent:
        """Open, update or close a session from one transaction event."""
        tx = str(transaction_info.get("transaction_id"))
        evse_id = (evse or {}).get("id")
        tag = (id_token or {}).get("id_token")
        verdict = None
        if tag and event_type == "Started":
            verdict = await events.authorize(self.core, self.id, tag, evse_id)
        elif tag:
            verdict = await self.core.db(self.core.store.check_token, tag)
        if event_type == "Started" and (verdict is None or verdict.status == "Accepted"):
            energy, _ = events.read_meter(meter_value or [])
            await events.started(self.core, self.id, evse_id, tag, energy, timestamp, transaction_id=tx)
        if meter_value and event_type != "Ended":
            await events.metered(self.core, self.id, tx, evse_id, meter_value)
        if event_type == "Ended":
            energy, _ = events.read_meter(meter_value or [])
            await events.stopped(self.core, self.id, tx, energy, transaction_info.get("stopped_reason") or "Local",
                                 timestamp)
        if verdict is None:
            return call_result.TransactionEvent()
        return call_result.TransactionEvent(id_token_info=_token_info(verdict))

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id: str, **kwargs: Any) -> call_result.DataTransfer:
        """No vendor extensions are known to the standalone bridge."""
        return call_result.DataTransfer(status="UnknownVendorId")

    @on(Action.firmware_status_notification)
    async def on_firmware_status_notification(self, status: str, **kwargs: Any) -> call_result.FirmwareStatusNotification:
        """Record the firmware update progress."""
        await events.note(self.core, self.id, "firmware", status, firmware_status=status)
        return call_result.FirmwareStatusNotification()

    @on(Action.security_event_notification)
    async def on_security_event_notification(self, type: str, timestamp: str, tech_info: str | None = None,
                                             **kwargs: Any) -> call_result.SecurityEventNotification:
        """Record a security event (tampering, failed logins, firmware checks)."""
        await reports.record(self.core, self.id, "SecurityEventNotification",
                             {"type": type, "timestamp": timestamp, "tech_info": tech_info, **kwargs})
        await events.note(self.core, self.id, "security", f"{type}: {tech_info or ''}".strip(": "))
        return call_result.SecurityEventNotification()

    @on(Action.notify_event)
    async def on_notify_event(self, generated_at: str, seq_no: int, event_data: list[dict[str, Any]],
                              **kwargs: Any) -> call_result.NotifyEvent:
        """Record device-model events (problems, alerts) as history."""
        for item in event_data[:20]:
            component = (item.get("component") or {}).get("name", "?")
            variable = (item.get("variable") or {}).get("name", "?")
            await events.note(self.core, self.id, "event",
                              f"{item.get('trigger', '')} {component}.{variable}={item.get('actual_value', '')}")
        return call_result.NotifyEvent()
