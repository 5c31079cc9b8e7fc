"""What a charger reports beyond its status, recorded where an agent finds it: one ChargerReport row per message.

Charging limits, EV charging needs and schedules, log, firmware and publish status, security events, reservation
updates, device-model reports and certificate requests each get a one-line summary an agent can read and the
message itself (native field names, id tokens masked). Security, log and firmware notices also go to the status
history, as they did before.
"""

from __future__ import annotations

import logging
from typing import Any

from ocpp.charge_point import remove_nones, snake_to_camel_case

from ocpp_bridge.core import Core
from ocpp_bridge.raw import masked_payload

log = logging.getLogger(__name__)
MAX_ITEMS = 50  # long reports (NotifyReport, NotifyMonitoringReport) are kept to their first items


def _evse(kw: dict[str, Any]) -> str:
    return f" on EVSE {kw['evse_id']}" if kw.get("evse_id") is not None else ""


def _limit(kw: dict[str, Any]) -> str:
    limit = kw.get("charging_limit") or {}
    critical = " (grid critical)" if limit.get("is_grid_critical") else ""
    return f"charging limited by {limit.get('charging_limit_source', '?')}{critical}{_evse(kw)}"


def _needs(kw: dict[str, Any]) -> str:
    needs = kw.get("charging_needs") or {}
    ac, dc = needs.get("ac_charging_parameters") or {}, needs.get("dc_charging_parameters") or {}
    energy = ac.get("energy_amount") or dc.get("energy_amount")
    wanted = f", {energy} Wh wanted" if energy is not None else ""
    return f"EV needs {needs.get('requested_energy_transfer', '?')}{wanted}{_evse(kw)}"


SUMMARIES: dict[str, Any] = {
    "NotifyChargingLimit": _limit,
    "ClearedChargingLimit": lambda kw: f"charging limit of {kw.get('charging_limit_source')} cleared{_evse(kw)}",
    "NotifyEVChargingNeeds": _needs,
    "NotifyEVChargingSchedule": lambda kw: f"EV charging schedule from {kw.get('time_base')}{_evse(kw)}",
    "LogStatusNotification": lambda kw: f"log upload {kw.get('status')} (request {kw.get('request_id', '-')})",
    "SignedFirmwareStatusNotification": lambda kw: f"signed firmware {kw.get('status')}",
    "PublishFirmwareStatusNotification": lambda kw: f"firmware publishing {kw.get('status')}",
    "SecurityEventNotification": lambda kw: f"security event {kw.get('type')}: {kw.get('tech_info') or ''}".rstrip(": "),
    "ReservationStatusUpdate": lambda kw: f"reservation {kw.get('reservation_id')} {kw.get('reservation_update_status')}",
    "ReportChargingProfiles": lambda kw: f"{len(kw.get('charging_profile') or [])} charging profiles from "
                                         f"{kw.get('charging_limit_source')}{_evse(kw)}",
    "NotifyReport": lambda kw: f"device-model report {kw.get('request_id')} part {kw.get('seq_no')}: "
                               f"{len(kw.get('report_data') or [])} variables",
    "NotifyMonitoringReport": lambda kw: f"monitoring report {kw.get('request_id')} part {kw.get('seq_no')}",
    "NotifyDisplayMessages": lambda kw: f"{len(kw.get('message_info') or [])} display messages",
    "NotifyCustomerInformation": lambda kw: f"customer information for request {kw.get('request_id')} "
                                            f"part {kw.get('seq_no')}",
    "SignCertificate": lambda kw: f"certificate signing requested ({kw.get('certificate_type') or 'charger'}); "
                                  "no certificate service: rejected",
    "Get15118EVCertificate": lambda kw: f"ISO 15118 EV certificate {kw.get('action')} requested; "
                                        "no certificate service: failed",
    "GetCertificateStatus": lambda _kw: "certificate status (OCSP) requested; no certificate service: failed",
}


def _trim(value: Any) -> Any:
    if isinstance(value, list):
        return [_trim(item) for item in value[:MAX_ITEMS]]
    if isinstance(value, dict):
        return {key: _trim(item) for key, item in value.items()}
    return value


async def record(core: Core, charger_id: str, action: str, kwargs: dict[str, Any]) -> str:
    """Store one report (summary and message) and tell the commands watching this charger; returns the summary."""
    summary = str(SUMMARIES[action](kwargs))[:255]
    payload = masked_payload(_trim(snake_to_camel_case(remove_nones(kwargs))))
    log.info("charger=%s %s: %s", charger_id, action, summary)
    await core.write(core.store.report, charger_id, action, summary, payload)
    core.observe(charger_id, {"event": action, "info": summary})
    return summary
