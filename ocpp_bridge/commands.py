"""Remote commands: translate a neutral action to the charger's protocol, send it, verify its effect."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import time
from collections.abc import Callable
from typing import Any

from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.exceptions import OCPPError
from ocpp.messages import Call, _validate_payload
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from bot.errors import ChargeLineError
from bot.logs import mask_id_tag
from ocpp_bridge.aliases import ALIASES
from ocpp_bridge.calls import audited_call
from ocpp_bridge.core import Core, Link

log = logging.getLogger(__name__)

SUPPORTED = ("Reset", "UnlockConnector", "TriggerMessage", "RemoteStartTransaction", "RemoteStopTransaction",
             "ChangeAvailability", "ClearCache", "GetConfiguration")


class BadCommand(ChargeLineError):
    """The action is unknown or its parameters are wrong."""


def canonical(action: str) -> str:
    """The neutral name of an action (1.6 and 2.0.1 names both accepted)."""
    name = ALIASES.get(action, action)
    if name not in SUPPORTED:
        raise BadCommand(f"unsupported action {action!r}; supported: {', '.join(SUPPORTED)} "
                         f"(or {', '.join(ALIASES)})")
    return name


def normalize(action: str, params: dict[str, Any]) -> dict[str, Any]:
    """Fill defaults and accept 2.0.1 parameter names, so policy and protocol see the same values."""
    params = dict(params)
    if action == "Reset":
        params.setdefault("type", "Soft")
    if action == "ChangeAvailability" and "type" not in params and "operational_status" in params:
        params["type"] = params.pop("operational_status")
    if "evse_id" in params and "connector_id" not in params:
        params["connector_id"] = params.pop("evse_id")
    if "id_token" in params and "id_tag" not in params:
        params["id_tag"] = params.pop("id_token")
    return params


def _int(params: dict[str, Any], key: str, default: int | None = None) -> int | None:
    value = params.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadCommand(f"{key} must be a non-negative integer")
    return value


def _choice(params: dict[str, Any], key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    value = params.get(key, default)
    if value not in allowed:
        raise BadCommand(f"{key} must be one of {', '.join(allowed)}")
    return value  # type: ignore[no-any-return]


def build(action: str, params: dict[str, Any], protocol: str) -> Any:
    """The typed OCPP payload for a neutral action on a charger speaking `protocol`."""
    v16 = protocol == "ocpp1.6"
    connector = _int(params, "connector_id")
    if action == "Reset":
        kind = _choice(params, "type", ("Soft", "Hard"), "Soft")
        return call16.Reset(type=kind) if v16 else call201.Reset(type="OnIdle" if kind == "Soft" else "Immediate")
    if action == "UnlockConnector":
        if not connector:
            raise BadCommand("connector_id is required (1 or more)")
        return call16.UnlockConnector(connector_id=connector) if v16 else call201.UnlockConnector(evse_id=connector,
                                                                                                    connector_id=1)
    if action == "TriggerMessage":
        message = params.get("requested_message")
        if not isinstance(message, str) or not message:
            raise BadCommand("requested_message is required (e.g. StatusNotification)")
        if v16:
            return call16.TriggerMessage(requested_message=message, connector_id=connector)
        return call201.TriggerMessage(requested_message=message, evse={"id": connector} if connector else None)
    if action == "RemoteStartTransaction":
        tag = params.get("id_tag")
        if not isinstance(tag, str) or not tag:
            raise BadCommand("id_tag is required")
        if v16:
            return call16.RemoteStartTransaction(id_tag=tag, connector_id=connector)
        return call201.RequestStartTransaction(id_token={"id_token": tag, "type": "ISO14443"},
                                               remote_start_id=random.randint(1, 2**31 - 1), evse_id=connector)
    if action == "RemoteStopTransaction":
        tx = params.get("transaction_id")
        if tx is None:
            raise BadCommand("no transaction is running on this charger (give transaction_id)")
        if v16:
            try:
                return call16.RemoteStopTransaction(transaction_id=int(tx))
            except ValueError:
                raise BadCommand("transaction_id must be a number for OCPP 1.6") from None
        return call201.RequestStopTransaction(transaction_id=str(tx))
    if action == "ChangeAvailability":
        kind = _choice(params, "type", ("Operative", "Inoperative"), params.get("operational_status"))
        if v16:
            return call16.ChangeAvailability(connector_id=connector or 0, type=kind)
        return call201.ChangeAvailability(operational_status=kind, evse={"id": connector} if connector else None)
    if action == "ClearCache":
        return call16.ClearCache() if v16 else call201.ClearCache()
    keys = params.get("key") or params.get("keys") or []
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise BadCommand("key must be a list of configuration key names")
    if v16:
        return call16.GetConfiguration(key=keys or None)
    if not keys:
        raise BadCommand("GetVariables on OCPP 2.0.1 needs at least one key (variable name)")
    component = params.get("component", "OCPPCommCtrlr")
    return call201.GetVariables(get_variable_data=[{"component": {"name": component}, "variable": {"name": k}}
                                                   for k in keys])


def _check(payload: Any, protocol: str) -> None:
    """Reject parameters the charger's schema forbids before sending (commands are rare; the cost is nil)."""
    body = snake_to_camel_case(remove_nones(serialize_as_dict(payload)))
    try:
        _validate_payload(Call("check", payload.__class__.__name__, body), protocol.removeprefix("ocpp"))
    except OCPPError as exc:
        cause = (exc.details or {}).get("cause") or exc.description
        raise BadCommand(f"invalid parameters for {payload.__class__.__name__}: {cause}") from exc


# A check reads the events seen so far: True (done), False (refuted), None (keep waiting).
Check = Callable[[list[dict[str, Any]]], bool | None]


def _seen(events: list[dict[str, Any]], *steps: Callable[[dict[str, Any]], bool]) -> bool | None:
    """True when the events contain each step, in order; None while some are missing."""
    index = 0
    for event in events:
        if index < len(steps) and steps[index](event):
            index += 1
    return True if index == len(steps) else None


def _status(connector: int | None, *statuses: str) -> Callable[[dict[str, Any]], bool]:
    def match(e: dict[str, Any]) -> bool:
        return (e.get("event") == "StatusNotification" and e.get("status") in statuses
                and (not connector or e.get("connector_id") in (connector, 0)))
    return match


def _after_reboot(connector: int | None) -> Check:
    """After a reset: a BootNotification, then the connector's first status decides (Available or not)."""
    def check(events: list[dict[str, Any]]) -> bool | None:
        booted = False
        for e in events:
            if e.get("event") == "BootNotification":
                booted = True
            elif booted and e.get("event") == "StatusNotification" and (e.get("connector_id") or 0) >= 1 \
                    and (not connector or e.get("connector_id") == connector):
                if e.get("status") in ("Faulted", "Unavailable"):
                    return False
                if e.get("status") == "Available":
                    return True
        return None
    return check


def expectation(action: str, params: dict[str, Any], status: str) -> Check | None:
    """What the charger's own messages must show for the command to count as done (None: nothing to verify)."""
    connector = params.get("connector_id")
    if action == "Reset" and status == "Accepted":
        return _after_reboot(connector)
    if action == "UnlockConnector" and status == "Unlocked":
        return lambda ev: _seen(ev, _status(connector, "Available"))
    if action == "ChangeAvailability" and status == "Accepted":
        wanted = "Available" if (params.get("type") or params.get("operational_status")) == "Operative" else "Unavailable"
        return lambda ev: _seen(ev, _status(connector, wanted))
    if action == "RemoteStartTransaction" and status == "Accepted":
        return lambda ev: _seen(ev, lambda e: e.get("event") == "TransactionStarted")
    if action == "RemoteStopTransaction" and status == "Accepted":
        return lambda ev: _seen(ev, lambda e: e.get("event") == "TransactionStopped")
    if action == "TriggerMessage" and status == "Accepted":
        return lambda ev: _seen(ev, lambda e: e.get("event") == params.get("requested_message"))
    return None


async def collect(queue: asyncio.Queue[dict[str, Any]], check: Check, timeout: float) -> tuple[bool, list[dict[str, Any]]]:
    """Gather the charger's events until `check` decides or the window closes (undecided counts as not verified)."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while (verdict := check(seen)) is None:
        left = deadline - time.monotonic()
        if left <= 0:
            return False, seen
        try:
            seen.append(await asyncio.wait_for(queue.get(), left))
        except TimeoutError:
            return False, seen
    return verdict, seen


def masked(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as audited: id tags masked."""
    return {k: (mask_id_tag(v) if k == "id_tag" and isinstance(v, str) else v) for k, v in params.items()}


async def execute(core: Core, link: Link, action: str, params: dict[str, Any], *, verify: bool,
                  requested_by: str, command_id: str | None = None, claimed_by: str | None = None) -> dict[str, Any]:
    """Send one command to a charger held by this node, verify it, audit it; returns the result dict.

    The audit row is written (status Pending) before the command is sent and completed afterwards, so a
    command whose node dies mid-way is still on record (the lease sweep then marks it Unknown).
    """
    charger_id = link.id
    if action == "RemoteStopTransaction" and params.get("transaction_id") is None:
        tx = await core.db(core.store.active_transaction, charger_id, params.get("connector_id"))
        params = {**params, "transaction_id": tx}
    payload = build(action, params, link.protocol)
    _check(payload, link.protocol)
    audit_id = await core.write(core.store.audit, charger_id, requested_by, action, masked(params), "Pending",
                                None, None, [], None, command_id, claimed_by)
    try:
        return await _send_and_verify(core, link, action, params, payload, audit_id, verify=verify,
                                      requested_by=requested_by, command_id=command_id)
    except ChargeLineError:
        raise
    except Exception as exc:
        await core.write(core.store.audit_finish, audit_id, "Error", None, None, [], f"bridge error: {exc!r}"[:500])
        raise


async def _send_and_verify(core: Core, link: Link, action: str, params: dict[str, Any], payload: Any,
                           audit_id: int, *, verify: bool, requested_by: str,
                           command_id: str | None) -> dict[str, Any]:
    """Send, wait for the answer, verify from the charger's own messages, complete the audit row."""
    charger_id = link.id
    verified: bool | None = None
    observed: list[dict[str, Any]] = []
    answer: dict[str, Any] | None = None
    detail: str | None = None
    with core.watch(charger_id) as queue:
        result, call_error = await audited_call(core, link, action, audit_id, requested_by,
                                                lambda: link.send_call(payload))
        if call_error is not None:
            status, detail = "CallError", call_error
        else:
            answer = dataclasses.asdict(result)
            status = str(answer.get("status") or "Accepted")
        if verify and (check := expectation(action, params, status)) is not None:
            verified, observed = await collect(queue, check, core.options.verify_timeout)
            if not verified and action == "RemoteStartTransaction":
                await core.write(core.store.failed_attempt, charger_id, params.get("connector_id"), params.get("id_tag"),
                              "start_failed", "remote start accepted but no transaction began")
        elif verify and status not in ("Accepted", "Unlocked") and action != "GetConfiguration":
            verified = False
    observed = observed[:20]
    # the audit goes through the writer after every report seen so far, so once the result is returned the
    # charger's new state is committed too (the conversation core reads connector state right after)
    await core.flush_heartbeats()
    await core.write(core.store.audit_finish, audit_id, status, answer, verified, observed, detail)
    log.info("charger=%s %s -> %s verified=%s (by %s, audit %s)", charger_id, action, status, verified,
             requested_by, audit_id)
    return {"status": status, "verified": verified, "observed": observed, "audit_id": audit_id,
            "answer": answer, "detail": detail, "command_id": command_id}
