"""Version-neutral handling of what a charger reports: record it (through the writer), then tell the watchers."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.logs import mask_id_tag
from ocpp_bridge.core import Core
from ocpp_bridge.store import TokenVerdict

log = logging.getLogger(__name__)


def parse_time(value: str | None) -> datetime | None:
    """Parse an OCPP timestamp; a bad one is ignored rather than failing the message."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


async def booted(core: Core, charger_id: str, vendor: str, model: str, firmware: str | None,
                 serial: str | None) -> None:
    """A charger (re)booted."""
    log.info("charger=%s boot vendor=%s model=%s firmware=%s", charger_id, vendor, model, firmware)
    await core.write(core.store.boot, charger_id, vendor, model, firmware, serial)
    core.observe(charger_id, {"event": "BootNotification", "vendor": vendor, "model": model})


async def heartbeat(core: Core, charger_id: str) -> None:
    """Answered from memory: last_heartbeat is written with everyone else's in the next batched flush."""
    core.beat(charger_id)
    core.observe(charger_id, {"event": "Heartbeat"})


async def status(core: Core, charger_id: str, connector_id: int, state: str, error_code: str | None = None,
                 vendor_error_code: str | None = None, info: str | None = None,
                 timestamp: str | None = None) -> None:
    """A connector's status changed (or was re-reported)."""
    if error_code == "NoError":
        error_code = None
    log.info("charger=%s connector=%s status=%s error=%s", charger_id, connector_id, state, error_code)
    await core.write(core.store.status, charger_id, connector_id, state, error_code, vendor_error_code, info,
                  parse_time(timestamp))
    core.observe(charger_id, {"event": "StatusNotification", "connector_id": connector_id, "status": state,
                              "error_code": error_code})


async def authorize(core: Core, charger_id: str, id_tag: str, connector_id: int | None = None) -> TokenVerdict:
    """Decide an id tag; a refusal is recorded as a failed attempt."""
    verdict = await core.db(core.store.check_token, id_tag)
    await authorized(core, charger_id, id_tag, verdict.status, connector_id)
    return verdict


async def authorized(core: Core, charger_id: str, id_tag: str, status: str, connector_id: int | None = None) -> None:
    """Note an id tag's verdict (ours, or the operator's CSMS in relay mode); a refusal is a failed attempt."""
    if status != "Accepted":
        log.info("charger=%s id tag %s refused: %s", charger_id, mask_id_tag(id_tag), status)
        await core.write(core.store.failed_attempt, charger_id, connector_id, id_tag, "rejected",
                         f"authorization {status}")
    core.observe(charger_id, {"event": "Authorize", "status": status})


async def started(core: Core, charger_id: str, connector_id: int | None, id_tag: str | None,
                  meter_start_wh: float | None, timestamp: str | None,
                  transaction_id: str | None = None) -> str:
    """A transaction began; returns its id."""
    tx = await core.write(core.store.start_session, charger_id, connector_id, id_tag, meter_start_wh,
                       parse_time(timestamp), transaction_id)
    log.info("charger=%s connector=%s transaction %s started", charger_id, connector_id, tx)
    core.observe(charger_id, {"event": "TransactionStarted", "connector_id": connector_id, "transaction_id": tx})
    return tx


async def stopped(core: Core, charger_id: str, transaction_id: str, meter_stop_wh: float | None,
                  reason: str | None, timestamp: str | None) -> None:
    """A transaction ended."""
    outcome = await core.write(core.store.stop_session, charger_id, transaction_id, meter_stop_wh, reason,
                            parse_time(timestamp))
    log.info("charger=%s transaction %s stopped reason=%s outcome=%s", charger_id, transaction_id, reason, outcome)
    core.observe(charger_id, {"event": "TransactionStopped", "transaction_id": transaction_id, "reason": reason})


async def metered(core: Core, charger_id: str, transaction_id: str | None, connector_id: int | None,
                  meter_values: Iterable[dict[str, Any]]) -> None:
    """Energy so far and present power from MeterValues (or a transaction event's meter values)."""
    energy, power = read_meter(meter_values)
    if energy is None and power is None:
        return
    await core.write(core.store.meter, charger_id, transaction_id, connector_id, energy, power)
    core.observe(charger_id, {"event": "MeterValues", "connector_id": connector_id})


def read_meter(meter_values: Iterable[dict[str, Any]]) -> tuple[float | None, float | None]:
    """The last energy register (Wh) and active power (W) in a list of meter values."""
    energy = power = None
    for value in meter_values or ():
        for sample in value.get("sampled_value") or ():
            measurand = sample.get("measurand") or "Energy.Active.Import.Register"
            if sample.get("phase"):
                continue
            try:
                number = float(sample.get("value"))
            except (TypeError, ValueError):
                continue
            unit = sample.get("unit") or (sample.get("unit_of_measure") or {}).get("unit") or ""
            if measurand == "Energy.Active.Import.Register":
                energy = number * 1000 if unit == "kWh" else number
            elif measurand == "Power.Active.Import":
                power = number * 1000 if unit == "kW" else number
    return energy, power


async def note(core: Core, charger_id: str, kind: str, info: str, **fields: str | None) -> None:
    """Firmware, diagnostics and security notices."""
    log.info("charger=%s %s %s", charger_id, kind, info)
    await core.write(core.store.note, charger_id, kind, info, **fields)
    core.observe(charger_id, {"event": kind, "info": info})
