"""Slow charging: what the session draws against what the connector can give, and the likely cause the data shows."""

from __future__ import annotations

from typing import Any

from bot.conversation.playbooks import guides
from bot.conversation.slots import connectors_of, need_charger
from bot.conversation.turn import Turn
from ocpp_bridge.snapshot import ChargerSnapshot, ChargeSession, Connector

AC_TYPES = {"Type 2", "Type 1", "Schuko"}
SHARED_SITES = {"fleet_depot", "workplace", "mixed_use"}
TAPER_FROM = 80  # percent: above this every car slows down


def run(turn: Turn) -> None:
    """Lead with the measured power, then the one cause the data points to, then a guide for it."""
    if not need_charger(turn):
        return
    snap = turn.snapshot()
    tx = snap.active_session() if snap is not None else None
    connector = _connector(snap, tx)
    label = turn.label()
    battery = _percent(turn.entity("battery_level") or turn.state.slots.get("battery_level"))
    power = tx.power_kw if tx else None
    max_kw = connector.max_kw if connector else None
    ac = connector is not None and connector.type in AC_TYPES
    if isinstance(power, (int, float)) and power > 0:
        limit = f"; connector {connector.id} ({connector.type}) can give up to {_kw(max_kw)}" \
            if connector and isinstance(max_kw, (int, float)) else ""
        turn.say(f"Your session on {label} is drawing {_kw(power)} right now{limit}.")
        cause, guide = _cause(power, max_kw, ac, battery, snap)
    else:
        turn.say(f"I can't see a running session on {label} right now, so I can't read its power.")
        cause, guide = _general(ac, battery)
    turn.say(cause)
    guides.say_guides(turn, "slow_charging", prefer=(guide,))
    turn.state.intent = None


def _cause(power: float, max_kw: Any, ac: bool, battery: int | None,
           snap: ChargerSnapshot | None) -> tuple[str, str]:
    """The likeliest reason for this power on this connector, and the guide that explains it."""
    share = power / max_kw if isinstance(max_kw, (int, float)) and max_kw else None
    if share is not None and share >= 0.8:
        return ("That is close to the most this connector gives, so the charger is working as it should.",
                "slow-ac-limits" if ac else "slow-car-limit")
    if battery is not None and battery >= TAPER_FROM:
        return (f"At {battery}% the car itself slows down to protect the battery; that is normal and the "
                "charger is fine. Above about 80% it is usually quicker to stop and charge again later.",
                "slow-taper")
    if ac:
        return ("On AC the car's own onboard charger sets the pace: many cars take only 7 or 11 kW here, "
                "whatever the post can give. The charger is fine.", "slow-ac-limits")
    if snap is not None and snap.site_type in SHARED_SITES and len(snap.active_transactions) > 1:
        return ("Several cars are charging at this site and it shares its power between them, so each gets "
                "less; it speeds up as others finish.", "slow-shared-power")
    return ("The charger is offering more than the car takes, so the car is limiting it: usually a cold battery "
            "(common in winter or after a short drive), a battery that is already quite full, or the car's own "
            "maximum. It normally picks up as the battery warms.", "slow-cold-battery")


def _general(ac: bool, battery: int | None) -> tuple[str, str]:
    if battery is not None and battery >= TAPER_FROM:
        return (f"At {battery}% every car slows down to protect the battery; that is normal.", "slow-taper")
    if ac:
        return ("This is an AC charger: the car's onboard charger sets the pace, often 7 or 11 kW.",
                "slow-ac-limits")
    return ("Usually the car limits the power: a cold battery, a battery above about 80%, or the car's own "
            "maximum.", "slow-why")


def _connector(snap: ChargerSnapshot | None, tx: ChargeSession | None) -> Connector | None:
    connectors = connectors_of(snap)
    if tx:
        for c in connectors:
            if c.id == tx.connector_id:
                return c
    return connectors[0] if len(connectors) == 1 else None


def _kw(value: Any) -> str:
    if not isinstance(value, (int, float)):
        return "an unknown power"
    return f"{value:.0f} kW" if value >= 10 or float(value).is_integer() else f"{value:.1f} kW"


def _percent(raw: Any) -> int | None:
    digits = "".join(ch for ch in str(raw or "").split(".")[0] if ch.isdigit())
    return int(digits) if digits and int(digits) <= 100 else None
