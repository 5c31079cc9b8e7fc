"""OCPP 1.6J security-extension messages: recorded as reports (reports.py); certificate signing is refused."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from ocpp_bridge import events, reports
from ocpp_bridge.core import Core


class Reports16:
    """Mixed into ChargePoint16: the messages of the 1.6 security whitepaper."""

    id: str
    core: Core

    @on(Action.log_status_notification)
    async def on_log_status_notification(self, status: str, **kwargs: Any) -> call_result.LogStatusNotification:
        """Record the log upload progress."""
        await reports.record(self.core, self.id, "LogStatusNotification", {"status": status, **kwargs})
        return call_result.LogStatusNotification()

    @on(Action.security_event_notification)
    async def on_security_event_notification(self, type: str, timestamp: str, tech_info: str | None = None,
                                             **kwargs: Any) -> call_result.SecurityEventNotification:
        """Record a security event (tampering, failed logins, firmware checks)."""
        fields = {"type": type, "timestamp": timestamp, "tech_info": tech_info, **kwargs}
        summary = await reports.record(self.core, self.id, "SecurityEventNotification", fields)
        await events.note(self.core, self.id, "security", summary.removeprefix("security event "))
        return call_result.SecurityEventNotification()

    @on(Action.signed_firmware_status_notification)
    async def on_signed_firmware_status_notification(
            self, status: str, **kwargs: Any) -> call_result.SignedFirmwareStatusNotification:
        """Record the signed firmware update progress."""
        await reports.record(self.core, self.id, "SignedFirmwareStatusNotification", {"status": status, **kwargs})
        await events.note(self.core, self.id, "firmware", status, firmware_status=status)
        return call_result.SignedFirmwareStatusNotification()

    @on(Action.sign_certificate)
    async def on_sign_certificate(self, csr: str, **kwargs: Any) -> call_result.SignCertificate:
        """No certificate service is configured: record the request and reject it."""
        await reports.record(self.core, self.id, "SignCertificate", {"csr_chars": len(csr), **kwargs})
        return call_result.SignCertificate(status="Rejected")
