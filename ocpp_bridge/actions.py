"""Which OCPP actions each side starts: the charger's messages we answer, the central system's we may send.

The `ocpp` package keeps both directions' request classes in one module per version and does not say who sends
which; the charger-initiated sets below are the specifications' (1.6 with its security extension, 2.0.1 part 2).
Every other request class of the package is a central-system action, DataTransfer being both.
"""

from __future__ import annotations

import dataclasses
import inspect
from functools import cache

from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

CHARGER_INITIATED: dict[str, frozenset[str]] = {
    "ocpp1.6": frozenset({
        "Authorize", "BootNotification", "DataTransfer", "DiagnosticsStatusNotification",
        "FirmwareStatusNotification", "Heartbeat", "LogStatusNotification", "MeterValues",
        "SecurityEventNotification", "SignCertificate", "SignedFirmwareStatusNotification", "StartTransaction",
        "StatusNotification", "StopTransaction"}),
    "ocpp2.0.1": frozenset({
        "Authorize", "BootNotification", "ClearedChargingLimit", "DataTransfer", "FirmwareStatusNotification",
        "Get15118EVCertificate", "GetCertificateStatus", "Heartbeat", "LogStatusNotification", "MeterValues",
        "NotifyChargingLimit", "NotifyCustomerInformation", "NotifyDisplayMessages", "NotifyEVChargingNeeds",
        "NotifyEVChargingSchedule", "NotifyEvent", "NotifyMonitoringReport", "NotifyReport",
        "PublishFirmwareStatusNotification", "ReportChargingProfiles", "ReservationStatusUpdate",
        "SecurityEventNotification", "SignCertificate", "StatusNotification", "TransactionEvent"}),
}
_MODULES = {"ocpp1.6": call16, "ocpp2.0.1": call201}


@cache
def all_actions(protocol: str) -> frozenset[str]:
    """Every request the `ocpp` package defines for a protocol, whichever side sends it."""
    module = _MODULES[protocol]
    return frozenset(name for name, obj in vars(module).items()
                     if inspect.isclass(obj) and dataclasses.is_dataclass(obj) and obj.__module__ == module.__name__)


@cache
def csms_actions(protocol: str) -> frozenset[str]:
    """The requests a central system sends to a charger of this protocol (DataTransfer included)."""
    return (all_actions(protocol) - CHARGER_INITIATED[protocol]) | {"DataTransfer"}
