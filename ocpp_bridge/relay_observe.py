"""Relay mode: read what a charger reports from the frames as they pass, through the same events.py as standalone.

The standalone handlers (v16.py, v201.py) record a CALL and answer it; here the operator's CSMS answers, so a CALL
is recorded when it passes, except where the record needs the CSMS's decision (an id tag's verdict, the 1.6
transaction id): those are recorded when the CALLRESULT passes. A payload off its schema is passed on by the relay
but not recorded (standalone refuses it); nothing here ever raises into the relay.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from ocpp.charge_point import camel_to_snake_case
from ocpp.exceptions import OCPPError

from ocpp_bridge import checks, events
from ocpp_bridge.core import Core
from ocpp_bridge.frames import value_problem

log = logging.getLogger(__name__)

MAX_BACKLOG = 500  # reports waiting to be written per charger; beyond it they are passed on but not recorded
Record = Callable[[Core, str, dict[str, Any], dict[str, Any]], Awaitable[None]]


def _at_result(protocol: str, action: str, payload: dict[str, Any]) -> bool:
    """Whether this CALL is recorded once the CSMS has answered it."""
    if action in ("Authorize", "StartTransaction"):
        return True
    return (protocol == "ocpp2.0.1" and action == "TransactionEvent" and payload.get("eventType") == "Started"
            and bool(payload.get("idToken")))


class Observer:
    """One charger's reports, recorded in the order they passed, off the relay's forwarding path."""

    def __init__(self, core: Core, charger_id: str, protocol: str) -> None:
        self.core, self.charger_id, self.protocol = core, charger_id, protocol
        self._queue: deque[tuple[str, dict[str, Any], dict[str, Any]]] = deque()
        self._running = False

    def call(self, action: str, payload: dict[str, Any]) -> bool:
        """A CALL from the charger passed; returns True when its record waits for the CSMS's answer."""
        if _at_result(self.protocol, action, payload):
            return True
        self._push(action, payload, {})
        return False

    def result(self, action: str, payload: dict[str, Any], answer: dict[str, Any]) -> None:
        """The CSMS answered a CALL whose record waited for it."""
        self._push(action, payload, answer)

    def _push(self, action: str, payload: dict[str, Any], answer: dict[str, Any]) -> None:
        if (action, self.protocol) not in _RECORDS:
            return
        if len(self._queue) >= MAX_BACKLOG:
            log.warning("charger=%s %s passed on but not recorded: %d reports already wait to be written",
                        self.charger_id, action, MAX_BACKLOG)
            return
        self._queue.append((action, payload, answer))
        if not self._running:
            self._running = True
            self.core.spawn(self._drain(), f"record reports of {self.charger_id}")

    async def _drain(self) -> None:
        try:
            while self._queue:
                await self._record(*self._queue.popleft())
        finally:
            self._running = False

    async def _record(self, action: str, payload: dict[str, Any], answer: dict[str, Any]) -> None:
        try:
            problem = value_problem(payload) or value_problem(answer)
            if problem is not None:
                raise ValueError(problem)
            checks.check_schema(self.protocol, action, payload)
            await _RECORDS[action, self.protocol](self.core, self.charger_id, camel_to_snake_case(payload),
                                                  camel_to_snake_case(answer))
        except (OCPPError, ValueError, TypeError, KeyError, AttributeError) as exc:
            detail = exc.description if isinstance(exc, OCPPError) else str(exc)
            log.warning("charger=%s %s passed on but not recorded: %s", self.charger_id, action, str(detail)[:200])
        except Exception:
            log.exception("charger=%s %s: recording it failed", self.charger_id, action)


def _status(answer: dict[str, Any], key: str) -> str:
    info = answer.get(key)
    return str(info.get("status", "Invalid")) if isinstance(info, dict) else "Invalid"


async def _boot16(core: Core, cid: str, p: dict[str, Any], a: dict[str, Any]) -> None:
    await events.booted(core, cid, p["charge_point_vendor"], p["charge_point_model"], p.get("firmware_version"),
                        p.get("charge_point_serial_number"))


async def _boot201(core: Core, cid: str, p: dict[str, Any], a: dict[str, Any]) -> None:
    station = p["charging_station"]
    await events.booted(core, cid, station.get("vendor_name", ""), station.get("model", ""),
                        station.get("firmware_version"), station.get("serial_number"))


async def _heartbeat(core: Core, cid: str, p: dict[str, Any], a: dict[str, Any]) -> None:
    await events.heartbeat(core, cid)


async def _status16(core: Core, cid: str, p: dict[str, Any], a: dict[str, Any]) -> None:
    await events.status(core, cid, p["connector_id"], p["status"], p["error_code"], p.get("vendor_error_code"),
                        p.get("info"), p.get("timestamp"))


async def _status201(core: Core, cid: str, p: dict[str, Any], a: dict[str, Any]) -> None:
    await events.status(core, cid, p["evse_id"], p["connector_status"], timestamp=p["timestamp"])


async def _meter16(core: Core, cid: str, p: dict[str, Any], a: dict[str, Any]) -> None:
    tx = p.get("transaction_id")
    await events.metered(core, cid, str(tx) if tx is not None else None, p["connector_id"], p["meter_value"])


async def _meter201(core: Core, cid: str, p: dict[str, Any], a: dict[str, Any]) -> None:
    await events.metered(core, cid, None, p["evse_id"], p["meter_value"])


async def _authorize16(core: Core, cid: str, p: dict[str, Any], a: dict[str, Any]) -> None:
    await events.authorized(core, cid, p["id_tag"], _status(a, "id_tag_info"))


async def _authorize201(core: Core, cid: str, p: dict[str, Any], a: dict[str, Any]) -> None:
    await events.authorized(core, cid, p["id_token"].get("id_token", ""), _status(a, "id_token_info"))


async def _start16(core: Core, cid: str, p: dict[str, Any], a: dict[str, Any]) -> None:
    status = _status(a, "id_tag_info")
    await events.authorized(core, cid, p["id_tag"], status, p["connector_id"])
    if status == "Accepted" and a.get("transaction_id") is not None:
        await events.started(core, cid, p["connector_id"], p["id_tag"], float(p["meter_start"]), p["timestamp"],
                             transaction_id=str(a["transaction_id"]))


async def _stop16(core: Core, cid: str, p: dict[str, Any], a: dict[str, Any]) -> None:
    tx = str(p["transaction_id"])
    if p.get("transaction_data"):
        await events.metered(core, cid, tx, None, p["transaction_data"])
    await events.stopped(core, cid, tx, float(p["meter_stop"]), p.get("reason") or "Local", p["timestamp"])


async def _transaction201(core: Core, cid: str, p: dict[str, Any], a: dict[str, Any]) -> None:
    """As ChargePoint201.on_transaction_event, with the CSMS's verdict on a starting id token."""
    event_type, info = p["event_type"], p["transaction_info"]
    tx, evse_id = str(info.get("transaction_id")), (p.get("evse") or {}).get("id")
    tag, meter = (p.get("id_token") or {}).get("id_token"), p.get("meter_value") or []
    accepted = True
    if tag and event_type == "Started":
        status = _status(a, "id_token_info") if a.get("id_token_info") else "Accepted"
        await events.authorized(core, cid, tag, status, evse_id)
        accepted = status == "Accepted"
    if event_type == "Started" and accepted:
        await events.started(core, cid, evse_id, tag, events.read_meter(meter)[0], p["timestamp"], transaction_id=tx)
    if meter and event_type != "Ended":
        await events.metered(core, cid, tx, evse_id, meter)
    if event_type == "Ended":
        await events.stopped(core, cid, tx, events.read_meter(meter)[0], info.get("stopped_reason") or "Local",
                             p["timestamp"])


def _note(kind: str, key: str | None) -> Record:
    async def record(core: Core, cid: str, p: dict[str, Any], a: dict[str, Any]) -> None:
        await events.note(core, cid, kind, p["status"], **({key: p["status"]} if key else {}))
    return record


async def _security(core: Core, cid: str, p: dict[str, Any], a: dict[str, Any]) -> None:
    await events.note(core, cid, "security", f"{p['type']}: {p.get('tech_info') or ''}".strip(": "))


async def _notify_event(core: Core, cid: str, p: dict[str, Any], a: dict[str, Any]) -> None:
    for item in p["event_data"][:20]:
        component = (item.get("component") or {}).get("name", "?")
        variable = (item.get("variable") or {}).get("name", "?")
        await events.note(core, cid, "event",
                          f"{item.get('trigger', '')} {component}.{variable}={item.get('actual_value', '')}")


_RECORDS: dict[tuple[str, str], Record] = {
    ("BootNotification", "ocpp1.6"): _boot16, ("BootNotification", "ocpp2.0.1"): _boot201,
    ("Heartbeat", "ocpp1.6"): _heartbeat, ("Heartbeat", "ocpp2.0.1"): _heartbeat,
    ("StatusNotification", "ocpp1.6"): _status16, ("StatusNotification", "ocpp2.0.1"): _status201,
    ("MeterValues", "ocpp1.6"): _meter16, ("MeterValues", "ocpp2.0.1"): _meter201,
    ("Authorize", "ocpp1.6"): _authorize16, ("Authorize", "ocpp2.0.1"): _authorize201,
    ("StartTransaction", "ocpp1.6"): _start16, ("StopTransaction", "ocpp1.6"): _stop16,
    ("TransactionEvent", "ocpp2.0.1"): _transaction201,
    ("FirmwareStatusNotification", "ocpp1.6"): _note("firmware", "firmware_status"),
    ("FirmwareStatusNotification", "ocpp2.0.1"): _note("firmware", "firmware_status"),
    ("DiagnosticsStatusNotification", "ocpp1.6"): _note("diagnostics", "diagnostics_status"),
    ("SecurityEventNotification", "ocpp2.0.1"): _security, ("NotifyEvent", "ocpp2.0.1"): _notify_event,
}
