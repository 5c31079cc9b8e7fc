"""The charger states a dialogue can run against: a simulator script plus the history that leads to it.

Each scenario turns the dialogue's charger and params into a simulator
behaviour (ocpp_bridge.simulator.scenario), and prepares what a real network
would show before the driver gets in touch: attempts already made, spells
offline, complaints from other drivers. Preparation uses the simulated chargers
over real OCPP where it can and writes history rows only for the past.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from bot.errors import ChargeLineError
from ocpp_bridge.models import ChargerState, ChargingSession, ConnectorState, StatusEvent

if TYPE_CHECKING:
    from bot.evaluation.runner import Stage

BLOCKED_CARD = "0BADCAFE01"
OTHER_DRIVER = "04A2B3C4D5"
DRIVER = "DRIVER0001"
FAST_METER = 0.5  # seconds between meter values, so a session's power shows at once


class ScenarioFailed(ChargeLineError):
    """The charger did not reach the scenario's state in time (the evaluation of that dialogue is void)."""


Prepare = Callable[["Stage", str, Mapping[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class ScenarioSpec:
    """How to put a charger into one state."""

    name: str
    describe: str
    behaviour: Callable[[Mapping[str, Any], Any], dict[str, Any]] = field(default=lambda params, spec: {})
    prepare: Prepare | None = None
    connected: bool = True  # False: the charger is not connected during the conversation
    params: tuple[str, ...] = ()


def _connector(params: Mapping[str, Any]) -> int:
    return int(params.get("connector", 1))


async def _until(check: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = await asyncio.to_thread(check)
        if found:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise ScenarioFailed(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def _status_is(stage: Stage, charger_id: str, connector_id: int, *statuses: str) -> Callable[[], bool]:
    def check() -> bool:
        with stage.sessions() as session:
            row = session.get(ConnectorState, (charger_id, connector_id))
            return row is not None and row.status in statuses
    return check


def _sessions_count(stage: Stage, charger_id: str, *outcomes: str) -> Callable[[], int]:
    def count() -> int:
        with stage.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(ChargingSession).where(
                ChargingSession.charger_id == charger_id, ChargingSession.outcome.in_(outcomes))) or 0)
    return count


async def _faulted(stage: Stage, charger_id: str, params: Mapping[str, Any]) -> None:
    await _until(_status_is(stage, charger_id, _connector(params), "Faulted"), f"{charger_id} to report a fault")


async def _busy(stage: Stage, charger_id: str, params: Mapping[str, Any]) -> None:
    charger = stage.fleet[charger_id]
    await charger.start_session(_connector(params), OTHER_DRIVER)
    await _until(_sessions_count(stage, charger_id, "active"), f"a session on {charger_id}")


async def _driver_session(stage: Stage, charger_id: str, params: Mapping[str, Any]) -> None:
    charger = stage.fleet[charger_id]
    await charger.start_session(_connector(params), DRIVER)

    def metered() -> bool:
        with stage.sessions() as session:
            row = session.scalar(select(ChargingSession).where(ChargingSession.charger_id == charger_id,
                                                                ChargingSession.outcome == "active"))
            return row is not None and row.power_w is not None
    await _until(metered, f"metered power on {charger_id}")


async def _stopped(stage: Stage, charger_id: str, params: Mapping[str, Any]) -> None:
    charger = stage.fleet[charger_id]
    await charger.start_session(_connector(params), DRIVER)
    await _until(_sessions_count(stage, charger_id, "active"), f"a session on {charger_id}")
    charger.connector(_connector(params)).meter_wh += 12_000  # it charged a while (12 kWh) before the car left
    await charger.unplug(_connector(params))
    await _until(_sessions_count(stage, charger_id, "completed", "failed"), f"the session on {charger_id} to end")


async def _tries(charger: Any, card: str, connector: int, attempts: int) -> None:
    """A driver plugging in and holding a card to the reader, `attempts` times."""
    for _ in range(attempts):
        await charger.plug_in(connector)
        await charger.present_card(card, connector)


async def _rejecting(stage: Stage, charger_id: str, params: Mapping[str, Any]) -> None:
    attempts = int(params.get("attempts", 1))
    await _tries(stage.fleet[charger_id], BLOCKED_CARD, _connector(params), attempts)
    await _until(lambda: _sessions_count(stage, charger_id, "rejected")() >= attempts,
                 f"{attempts} rejected cards on {charger_id}")


async def _failed_starts(stage: Stage, charger_id: str, params: Mapping[str, Any]) -> None:
    charger = stage.fleet[charger_id]
    attempts = int(params.get("attempts", 3))
    connector = _connector(params)
    await _tries(charger, DRIVER, connector, attempts)
    await _until(lambda: charger.failed_starts >= attempts, f"{attempts} failed starts on {charger_id}")
    await _until(_status_is(stage, charger_id, connector, "Available"), f"{charger_id} to be free again")


async def _cable_locked(stage: Stage, charger_id: str, params: Mapping[str, Any]) -> None:
    await _until(_status_is(stage, charger_id, _connector(params), "Finishing", "Charging", "Preparing"),
                 f"the cable locked in {charger_id}")


async def _offline(stage: Stage, charger_id: str, params: Mapping[str, Any]) -> None:
    minutes = float(params.get("offline_minutes", 45))
    since = datetime.now(UTC) - timedelta(minutes=minutes)

    def seed() -> None:
        with stage.sessions.begin() as session:
            state = session.get(ChargerState, charger_id) or ChargerState(charger_id=charger_id)
            state.online, state.offline_since, state.offline_reason = False, since, "connection lost"
            state.last_heartbeat = state.last_seen = since
            state.online_since = since - timedelta(days=3)
            state.protocol = "ocpp1.6"
            session.add(state)
            session.add(StatusEvent(charger_id=charger_id, kind="offline", info="connection lost", at=since))
    await asyncio.to_thread(seed)


async def _flapping(stage: Stage, charger_id: str, params: Mapping[str, Any]) -> None:
    spells = int(params.get("spells", 4))
    now = datetime.now(UTC)

    def seed() -> None:
        with stage.sessions.begin() as session:
            for n in range(spells):
                gone = now - timedelta(minutes=50 - n * 12)
                session.add(StatusEvent(charger_id=charger_id, kind="offline", info="connection lost", at=gone))
                session.add(StatusEvent(charger_id=charger_id, kind="online", at=gone + timedelta(minutes=3)))
    await asyncio.to_thread(seed)


async def _payment_outage(stage: Stage, charger_id: str, params: Mapping[str, Any]) -> None:
    # other drivers' complaints, through the real engine: six chargers at three sites
    others = [c for c in stage.charger_ids if c != charger_id][:6]
    for n, other in enumerate(others):
        await asyncio.to_thread(stage.other_driver, f"+4915100000{n:03d}", other,
                                "intent:payment_failed" if n % 2 else "intent:auth_failed")


SCENARIOS: dict[str, ScenarioSpec] = {s.name: s for s in (
    ScenarioSpec("healthy", "online, every connector free"),
    ScenarioSpec("busy", "someone else's session runs on a connector", prepare=_busy, params=("connector",)),
    ScenarioSpec("faulted", "a connector reports a fault that a soft reset clears",
                 behaviour=lambda p, spec: {"behaviour": "faulted_until_reset", "connector": _connector(p),
                                            "error_code": p.get("error_code", "InternalError")},
                 prepare=_faulted, params=("connector", "error_code")),
    ScenarioSpec("hardware_fault", "a connector reports a fault that survives a reset",
                 behaviour=lambda p, spec: {"behaviour": "hardware_fault", "connector": _connector(p),
                                            "error_code": p.get("error_code", "InternalError")},
                 prepare=_faulted, params=("connector", "error_code")),
    ScenarioSpec("offline", "not connected; last heard from some time ago", prepare=_offline, connected=False,
                 params=("offline_minutes",)),
    ScenarioSpec("flapping", "online, but dropped offline 4 times in the last hour", prepare=_flapping,
                 params=("spells",)),
    ScenarioSpec("rejecting_cards", "the driver's blocked card was refused at this charger",
                 prepare=_rejecting, params=("attempts", "connector")),
    ScenarioSpec("failed_starts", "start attempts failed (the car did not communicate); free again now",
                 behaviour=lambda p, spec: {"behaviour": "failed_starts", "connector": _connector(p),
                                            "attempts": int(p.get("attempts", 3)), "interval": 0.0},
                 prepare=_failed_starts, params=("connector", "attempts")),
    ScenarioSpec("cable_locked", "the session ended but the cable stays locked",
                 behaviour=lambda p, spec: {"behaviour": "cable_locked", "connector": _connector(p)},
                 prepare=_cable_locked, params=("connector",)),
    ScenarioSpec("slow_session", "the driver's session runs well below the connector's maximum",
                 behaviour=lambda p, spec: {"behaviour": "low_power", "connector": _connector(p),
                                            "meter_interval": FAST_METER,
                                            "power_kw": float(p.get("power_kw") or _max_kw(spec, _connector(p)) * 0.2)},
                 prepare=_driver_session, params=("connector", "power_kw")),
    ScenarioSpec("stopped", "the driver's session ended a minute ago (the car was unplugged)", prepare=_stopped,
                 params=("connector",)),
    ScenarioSpec("payment_outage", "card and app failures on 6 chargers at 3 sites in the last minutes",
                 prepare=_payment_outage),
)}


def _max_kw(spec: Any, connector_id: int) -> float:
    for connector in getattr(spec, "connectors", ()):
        if connector.id == connector_id and connector.max_kw:
            return float(connector.max_kw)
    return 50.0


def unknown_params(scenario: str, params: Mapping[str, Any]) -> list[str]:
    """Parameters the scenario does not know."""
    return sorted(set(params) - set(SCENARIOS[scenario].params))
