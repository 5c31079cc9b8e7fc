"""OCPP 2.0.1 messages beyond sessions and status: recorded as reports (reports.py), answered per the spec.

No certificate service is configured: certificate requests are recorded and answered Rejected or Failed. EV
charging needs are answered Rejected (the bridge does no smart charging; an operator can still send a profile as a
raw SetChargingProfile); the EV's own schedule is accepted.
"""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action

from ocpp_bridge import events, reports
from ocpp_bridge.core import Core

NO_SERVICE = {"reason_code": "NoCertService", "additional_info": "no certificate service is configured"}
NO_SMART_CHARGING = {"reason_code": "NoSmartCharging", "additional_info": "the central system plans no schedules"}


class Reports201:
    """Mixed into ChargePoint201: every 2.0.1 charger message that is not about sessions or status."""

    id: str
    core: Core

    async def _record(self, action: str, kwargs: dict[str, Any]) -> str:
        return await reports.record(self.core, self.id, action, kwargs)

    @on(Action.notify_charging_limit)
    async def on_notify_charging_limit(self, charging_limit: dict[str, Any],
                                       **kwargs: Any) -> call_result.NotifyChargingLimit:
        """Record an external charging limit (grid operator, EMS)."""
        await self._record("NotifyChargingLimit", {"charging_limit": charging_limit, **kwargs})
        return call_result.NotifyChargingLimit()

    @on(Action.cleared_charging_limit)
    async def on_cleared_charging_limit(self, charging_limit_source: str,
                                        **kwargs: Any) -> call_result.ClearedChargingLimit:
        """Record that an external charging limit ended."""
        await self._record("ClearedChargingLimit", {"charging_limit_source": charging_limit_source, **kwargs})
        return call_result.ClearedChargingLimit()

    @on(Action.notify_ev_charging_needs)
    async def on_notify_ev_charging_needs(self, charging_needs: dict[str, Any], evse_id: int,
                                          **kwargs: Any) -> call_result.NotifyEVChargingNeeds:
        """Record what the EV asks for; no schedule will be computed, so say so."""
        await self._record("NotifyEVChargingNeeds", {"charging_needs": charging_needs, "evse_id": evse_id, **kwargs})
        return call_result.NotifyEVChargingNeeds(status="Rejected", status_info=NO_SMART_CHARGING)

    @on(Action.notify_ev_charging_schedule)
    async def on_notify_ev_charging_schedule(self, time_base: str, charging_schedule: dict[str, Any], evse_id: int,
                                             **kwargs: Any) -> call_result.NotifyEVChargingSchedule:
        """Record the EV's charging schedule; nothing of ours constrains it."""
        await self._record("NotifyEVChargingSchedule", {"time_base": time_base, "charging_schedule": charging_schedule,
                                                        "evse_id": evse_id, **kwargs})
        return call_result.NotifyEVChargingSchedule(status="Accepted")

    @on(Action.report_charging_profiles)
    async def on_report_charging_profiles(self, **kwargs: Any) -> call_result.ReportChargingProfiles:
        """Record charging profiles the station reports (after GetChargingProfiles)."""
        await self._record("ReportChargingProfiles", kwargs)
        return call_result.ReportChargingProfiles()

    @on(Action.log_status_notification)
    async def on_log_status_notification(self, status: str, **kwargs: Any) -> call_result.LogStatusNotification:
        """Record the log upload progress."""
        await self._record("LogStatusNotification", {"status": status, **kwargs})
        await events.note(self.core, self.id, "log", status, diagnostics_status=status)
        return call_result.LogStatusNotification()

    @on(Action.publish_firmware_status_notification)
    async def on_publish_firmware_status_notification(
            self, status: str, **kwargs: Any) -> call_result.PublishFirmwareStatusNotification:
        """Record the local firmware publishing progress."""
        await self._record("PublishFirmwareStatusNotification", {"status": status, **kwargs})
        return call_result.PublishFirmwareStatusNotification()

    @on(Action.reservation_status_update)
    async def on_reservation_status_update(self, reservation_id: int, reservation_update_status: str,
                                           **kwargs: Any) -> call_result.ReservationStatusUpdate:
        """Record that a reservation expired or was removed."""
        await self._record("ReservationStatusUpdate", {"reservation_id": reservation_id,
                                                       "reservation_update_status": reservation_update_status})
        return call_result.ReservationStatusUpdate()

    @on(Action.notify_report)
    async def on_notify_report(self, **kwargs: Any) -> call_result.NotifyReport:
        """Record one part of a device-model report (after GetBaseReport or GetReport)."""
        await self._record("NotifyReport", kwargs)
        return call_result.NotifyReport()

    @on(Action.notify_monitoring_report)
    async def on_notify_monitoring_report(self, **kwargs: Any) -> call_result.NotifyMonitoringReport:
        """Record one part of a monitoring report."""
        await self._record("NotifyMonitoringReport", kwargs)
        return call_result.NotifyMonitoringReport()

    @on(Action.notify_display_messages)
    async def on_notify_display_messages(self, **kwargs: Any) -> call_result.NotifyDisplayMessages:
        """Record the display messages the station shows."""
        await self._record("NotifyDisplayMessages", kwargs)
        return call_result.NotifyDisplayMessages()

    @on(Action.notify_customer_information)
    async def on_notify_customer_information(self, **kwargs: Any) -> call_result.NotifyCustomerInformation:
        """Record customer information the station sent (after CustomerInformation)."""
        await self._record("NotifyCustomerInformation", kwargs)
        return call_result.NotifyCustomerInformation()

    @on(Action.sign_certificate)
    async def on_sign_certificate(self, csr: str, **kwargs: Any) -> call_result.SignCertificate:
        """No certificate service: record the request and reject it."""
        await self._record("SignCertificate", {"csr_chars": len(csr), **kwargs})
        return call_result.SignCertificate(status="Rejected", status_info=NO_SERVICE)

    @on(Action.get_15118_ev_certificate)
    async def on_get_15118_ev_certificate(self, iso15118_schema_version: str, action: str, exi_request: str,
                                          **kwargs: Any) -> call_result.Get15118EVCertificate:
        """No certificate service: record the request and answer Failed."""
        await self._record("Get15118EVCertificate", {"iso15118_schema_version": iso15118_schema_version,
                                                     "action": action, "exi_request_chars": len(exi_request)})
        return call_result.Get15118EVCertificate(status="Failed", exi_response="", status_info=NO_SERVICE)

    @on(Action.get_certificate_status)
    async def on_get_certificate_status(self, ocsp_request_data: dict[str, Any],
                                        **kwargs: Any) -> call_result.GetCertificateStatus:
        """No certificate service: record the request and answer Failed."""
        await self._record("GetCertificateStatus", {"ocsp_request_data": ocsp_request_data})
        return call_result.GetCertificateStatus(status="Failed", status_info=NO_SERVICE)
