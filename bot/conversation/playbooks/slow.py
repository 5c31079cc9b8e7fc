"""Slow charging: the charger's actual power against what it can give, and the usual reasons."""

from __future__ import annotations

from typing import Any

from bot.conversation.describe import active_session
from bot.conversation.playbooks import guides
from bot.conversation.slots import connectors_of, need_charger
from bot.conversation.turn import Turn

AC_TYPES = {"Type 2", "Type 1", "Schuko"}


def run(turn: Turn) -> None:
    """Compare live power to the connector's maximum and explain the gap."""
    if not need_charger(turn):
        return
    snap = turn.snapshot() or {}
    tx = active_session(snap)
    label = turn.label()
    connector = _connector(snap, tx)
    max_kw = connector.get("max_kw") if connector else None
    if tx and isinstance(tx.get("power_kw"), (int, float)):
        limit = f" of the {max_kw:.0f} kW this connector can give" if isinstance(max_kw, (int, float)) else ""
        turn.say(f"I can see your session on {label}: it is charging at {tx['power_kw']:.1f} kW right now{limit}.")
    elif snap:
        turn.say(f"I can't see a running session on {label} right now, so I can't read its power.")
    reasons = []
    battery = _percent(turn.entity("battery_level") or turn.state.slots.get("battery_level"))
    if battery is not None and battery >= 80:
        reasons.append(f"above about 80% (you said {battery}%) every car slows down to protect the battery")
    else:
        reasons.append("above about 80% charge every car slows down to protect the battery")
    reasons.append("a cold battery takes less power until it warms up")
    if connector and connector.get("type") in AC_TYPES:
        reasons.append("this is an AC charger (11 or 22 kW at most), and the car's onboard charger often "
                       "takes only 7 or 11 kW")
    else:
        reasons.append("your car's own maximum charging power may be below the charger's")
    if snap.get("site_type") in ("fleet_depot", "workplace", "mixed_use"):
        reasons.append("this site shares its power between chargers, so each gets less when several are busy")
    text = "The usual reasons: " + "; ".join(reasons) + "."
    turn.say(text, "Usually it is one of these: " + "; ".join(reasons[:3]) + ".")
    guides.say_guides(turn, "slow_charging")
    turn.state.intent = None


def _connector(snap: dict[str, Any], tx: dict[str, Any] | None) -> dict[str, Any] | None:
    connectors = connectors_of(snap)
    if tx:
        for c in connectors:
            if int(c["id"]) == tx.get("connector_id"):
                return c
    return connectors[0] if len(connectors) == 1 else None


def _percent(raw: Any) -> int | None:
    digits = "".join(ch for ch in str(raw or "") if ch.isdigit())
    return int(digits) if digits and int(digits) <= 100 else None
