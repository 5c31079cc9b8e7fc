"""Scenario files: which fault script each simulated charger plays, and its parameters.

Format (YAML)::

    default: healthy                 # optional: behaviour of chargers not listed
    chargers:
      CP-1042: {behaviour: faulted_until_reset, connector: 1, error_code: GroundFailure}
      CP-2001: silent                # a bare name takes the defaults

A flat mapping of charger ids to behaviours (without ``chargers:``) is accepted too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ProblemsError

# Every behaviour with its parameters and their defaults. Parameters common to all
# behaviours: the connector it concerns, the driver's card, when a simulated
# driver arrives by itself (None = only when a test or the API acts), and the
# charging power and metering interval of its sessions.
COMMON: dict[str, Any] = {
    "connector": 1,
    "id_tag": "DEMO0001",
    "start_after": None,
    "power_kw": None,
    "meter_interval": 10.0,
}
BEHAVIOURS: dict[str, dict[str, Any]] = {
    "healthy": {},
    "faulted_until_reset": {"error_code": "InternalError"},
    "cable_locked": {},
    "hardware_fault": {"error_code": "GroundFailure"},
    "rfid_rejected": {"id_tag": "0BADCAFE01"},
    "failed_starts": {"error_code": "EVCommunicationError", "end_status": "Available", "attempts": 3, "interval": 20.0},
    "stops_midway": {"after": 30.0, "reason": "EVDisconnected"},
    "low_power": {"power_kw": 3.0, "cause": "cold_battery"},
    "offline_flapping": {"offline_for": 20.0, "online_for": 60.0},
    "silent": {},
}
_END_STATUSES = {"Available", "Faulted"}


class ScenarioError(ProblemsError):
    """A scenario file or mapping is invalid; one problem per line."""


@dataclass(frozen=True)
class Behaviour:
    """One charger's script: a behaviour name and its full parameter set."""

    name: str = "healthy"
    params: Mapping[str, Any] = field(default_factory=lambda: dict(COMMON))

    def __getitem__(self, key: str) -> Any:
        return self.params[key]


@dataclass(frozen=True)
class Scenario:
    """Behaviours by charger id, and the one for every other charger."""

    chargers: Mapping[str, Behaviour] = field(default_factory=dict)
    default: Behaviour = field(default_factory=Behaviour)

    def for_charger(self, charger_id: str) -> Behaviour:
        """Return the behaviour this charger plays."""
        return self.chargers.get(charger_id, self.default)


def make_behaviour(name: str, params: Mapping[str, Any] | None = None, where: str = "") -> Behaviour:
    """Build a behaviour from its name and parameters, filling in defaults."""
    problems: list[str] = []
    prefix = f"{where}: " if where else ""
    if name not in BEHAVIOURS:
        raise ScenarioError([f"{prefix}unknown behaviour {name!r}; known: {', '.join(BEHAVIOURS)}"])
    allowed = {**COMMON, **BEHAVIOURS[name]}
    given = dict(params or {})
    for key in sorted(set(given) - set(allowed)):
        problems.append(f"{prefix}unknown parameter {key!r} for {name}; known: {', '.join(sorted(allowed))}")
    merged = {**allowed, **{k: v for k, v in given.items() if k in allowed}}
    for key in ("start_after", "power_kw", "meter_interval", "after", "offline_for", "online_for", "interval"):
        value = merged.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            problems.append(f"{prefix}{key} must be a number >= 0, not {value!r}")
    for key in ("connector", "attempts"):
        value = merged.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            problems.append(f"{prefix}{key} must be a whole number >= 1, not {value!r}")
    if merged.get("end_status", "Available") not in _END_STATUSES:
        problems.append(f"{prefix}end_status must be one of {sorted(_END_STATUSES)}")
    if not isinstance(merged["id_tag"], str) or not 0 < len(merged["id_tag"]) <= 20:
        problems.append(f"{prefix}id_tag must be a text of 1-20 characters")
    if problems:
        raise ScenarioError(problems)
    return Behaviour(name, merged)


def _entry(value: Any, where: str) -> Behaviour:
    if isinstance(value, str):
        return make_behaviour(value, None, where)
    if isinstance(value, Mapping):
        params = dict(value)
        name = params.pop("behaviour", params.pop("behavior", "healthy"))
        return make_behaviour(str(name), params, where)
    raise ScenarioError([f"{where}: expected a behaviour name or a mapping, not {type(value).__name__}"])


def parse_scenario(data: Mapping[str, Any] | None, source: str = "scenario") -> Scenario:
    """Validate a scenario mapping; raise ScenarioError listing every problem."""
    if data is None:
        return Scenario()
    if not isinstance(data, Mapping):
        raise ScenarioError([f"{source}: expected a mapping of charger ids to behaviours"])
    structured = set(data) <= {"default", "chargers"} and "chargers" in data
    entries = data["chargers"] if structured else data
    if not isinstance(entries, Mapping):
        raise ScenarioError([f"{source}: 'chargers' must be a mapping of charger ids to behaviours"])
    problems: list[str] = []
    chargers: dict[str, Behaviour] = {}
    default = Behaviour()
    try:
        if structured and data.get("default") is not None:
            default = _entry(data["default"], f"{source}: default")
    except ScenarioError as exc:
        problems.extend(exc.problems)
    for charger_id, value in entries.items():
        try:
            chargers[str(charger_id)] = _entry(value, f"{source}: {charger_id}")
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return Scenario(chargers, default)


def load_scenario(source: Scenario | Mapping[str, Any] | str | Path | None) -> Scenario:
    """Return a Scenario from a Scenario, a mapping, a YAML file path or None."""
    if source is None or isinstance(source, Scenario):
        return source or Scenario()
    if isinstance(source, Mapping):
        return parse_scenario(source)
    path = Path(source)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read: {exc.strerror}"]) from exc
    except yaml.YAMLError as exc:
        raise ScenarioError([f"{path}: not valid YAML: {exc}"]) from exc
    return parse_scenario(data, str(path))
