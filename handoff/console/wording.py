"""What the ticket page says in words: remote actions, the charger's state line, the suggested next step."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.messages import REACHABLE_LATER
from handoff.names import human
from ocpp_bridge.snapshot import ChargerSnapshot

PHONE_CHANNELS = frozenset({"voice", "sms", "whatsapp"})
_RESULTS = {
    "Accepted": "", "Rejected": "the charger rejected it", "Refused": "refused by the approved-actions policy",
    "Unreachable": "the charger could not be reached", "Failed": "it failed",
    "Unknown": "the answer was lost: the charger may have executed it", "NotSupported": "the charger does not support it",
    "Scheduled": "the charger will do it when the current session ends", "Unlocked": "", "UnlockFailed": "unlock failed",
}
_CALL_BACK = re.compile(r"\bcall the driver back( now)?\b", re.IGNORECASE)


def _connector(params: Mapping[str, Any], action: Mapping[str, Any]) -> Any:
    return params.get("connector_id", params.get("evse_id", action.get("connector_id")))


def _what(action: Mapping[str, Any]) -> str:
    """The command as a sentence fragment: "Made connector 2 inoperative"."""
    name, params = str(action.get("action") or "Command"), action.get("params") or {}
    connector = _connector(params, action)
    target = "the whole charger (connector 0)" if connector == 0 else (
        f"connector {connector}" if connector is not None else "the charger")
    if name == "ChangeAvailability":
        state = "inoperative" if params.get("type") == "Inoperative" else "available again"
        return f"Made {target} {state}"
    if name == "Reset":
        return f"{'Hard' if params.get('type') == 'Hard' else 'Soft'} reset of the charger"
    if name == "UnlockConnector":
        return f"Unlocked {target}"
    if name == "RemoteStopTransaction":
        return "Stopped the charging session remotely"
    if name == "RemoteStartTransaction":
        return f"Started a charging session remotely on {target}"
    if name == "TriggerMessage":
        asked = str(params.get("requested_message") or "a message")
        return "Asked the charger for its status" if asked == "StatusNotification" else f"Asked the charger for {asked}"
    if name == "ClearCache":
        return "Cleared the charger's authorisation cache"
    return f"Sent {name} to {target}"


def describe_action(action: Mapping[str, Any]) -> str:
    """One ticket action in words: what was done, how the charger answered, and whether it was verified."""
    result = str(action.get("result") or "")
    words = _what(action)
    outcome = _RESULTS.get(result, result and f"the charger answered {result}")
    if outcome:
        words += f" — {outcome}"
    if action.get("verified") is True:
        words += " — verified by the charger"
    elif action.get("verified") is False and result in ("Accepted", "Unlocked"):
        words += " — accepted, but the charger's state did not confirm it"
    by = str(action.get("by") or "")
    words += f" · by {by.removeprefix('agent:')}" if by.startswith("agent:") else " · by the bot"
    return words


def charger_line(snapshot: ChargerSnapshot | None) -> str:
    """The charger's connection in words, from one snapshot: "Online since 03:29 UTC; last heard 03:31 UTC"."""
    if snapshot is None:
        return "No live state from the charger."
    def at(value: datetime) -> str:
        return f"{value.isoformat()[:16].replace('T', ' ')} UTC"
    if snapshot.online:
        parts = ["Online"]
        if snapshot.online_since:
            parts.append(f" since {at(snapshot.online_since)}")
        heard = snapshot.last_seen or snapshot.last_heartbeat
        if heard:
            parts.append(f"; last heard from {at(heard)}")
        return "".join(parts)
    line = "Offline" + (f" since {at(snapshot.offline_since)}" if snapshot.offline_since else "")
    return line + (f" ({snapshot.offline_reason})" if snapshot.offline_reason else "")


def can_call(channel: str, contact_address: str | None) -> bool:
    """Whether the ticket has a phone number to call the driver back on."""
    return channel in PHONE_CHANNELS and bool(contact_address)


def next_step(step: str, channel: str, contact_address: str | None) -> str:
    """The suggested next step, with "call the driver back" turned into what this channel allows."""
    if not step or can_call(channel, contact_address):
        return step
    if channel == "webchat":
        instead = "Answer the driver in the chat (there is no phone number)"
    elif channel in REACHABLE_LATER and contact_address:
        instead = f"Message the driver on {human('channel', channel)}"
    else:
        instead = "Reach the driver if you can (they left no number to call back)"
    return _CALL_BACK.sub(instead, step, count=1)
