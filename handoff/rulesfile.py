"""Parse and validate the escalation rules file, naming the line of every problem."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.yamlfile import line_of, read_yaml
from handoff.models import PRIORITIES, TIERS
from handoff.rules import (
    FACT_NAMES,
    Condition,
    NetworkRule,
    Predicate,
    Rule,
    RuleSet,
    RulesFileError,
    TurnFacts,
    template_fields,
)
from handoff.sla import DEFAULT_SLA_MINUTES, SlaPolicy

_TOP_KEYS = {"sla_minutes", "history_window_minutes", "failed_sessions_window_minutes", "rules"}
_RULE_KEYS = {"name", "when", "any", "network_wide", "catch_all", "tier", "priority", "sla_minutes", "problem",
              "reason", "next_step"}
_NETWORK_KEYS = {"intents", "chargers_at_least", "sites_at_least", "window_minutes"}
# true/false conditions: the fact of the same name must be exactly that
_FLAGS = ("charger_online", "no_live_data", "network_incident", "safety", "driver_asked_human", "card_refused", "safety_alarm",
          "reset_cannot_fix", "recovery_attempted", "recovery_verified", "recovery_helped", "recovery_refused",
          "charger_unreachable", "cable_release_failed", "no_progress", "repeat_reported")
# `<name>_at_least: N` conditions and the count they compare
_COUNTS: dict[str, Callable[[TurnFacts], int]] = {
    "bot_failures_at_least": lambda f: f.bot_failures,
    "failed_sessions_at_least": lambda f: f.failed_sessions_recent,
    "rejected_sessions_at_least": lambda f: f.rejected_sessions_recent,
    "failed_or_rejected_sessions_at_least": lambda f: f.failed_sessions_recent + f.rejected_sessions_recent,
    "offline_spells_at_least": lambda f: f.offline_spells_recent,
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _names(value: Any) -> tuple[str, ...] | None:
    """A list of names (or one name) as a tuple; None when it is not that."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _intent_in(names: tuple[str, ...] | None) -> Predicate:
    wanted = frozenset(names or ())
    return lambda facts: facts.intent in wanted


def _error_code_in(names: tuple[str, ...] | None) -> Predicate:
    wanted = frozenset(names or ())
    return lambda facts: bool(wanted.intersection(facts.error_codes))


def _flag(name: str) -> Callable[[Any], Predicate]:
    return lambda wanted: lambda facts: getattr(facts, name) is wanted


def _count(count: Callable[[TurnFacts], int]) -> Callable[[Any], Predicate]:
    return lambda least: lambda facts: count(facts) >= least


_Condition = tuple[str, Callable[[Any], bool], Callable[[Any], Predicate]]
# condition name -> (what a valid value is, whether a value is valid, build the predicate from the value)
_CONDITIONS: dict[str, _Condition] = {
    "intent": ("an intent name or a list of them", lambda v: _names(v) is not None, lambda v: _intent_in(_names(v))),
    "error_codes": ("an error code or a list of them", lambda v: _names(v) is not None,
                    lambda v: _error_code_in(_names(v))),
    **{name: ("true or false", lambda v: isinstance(v, bool), _flag(name)) for name in _FLAGS},
    **{name: ("a whole number from 1", lambda v: _is_int(v) and v >= 1, _count(count))
       for name, count in _COUNTS.items()},
    # a charger known to be online is not offline, however stale the minutes are
    "offline_minutes_at_least": ("a positive number of minutes", lambda v: _is_number(v) and v > 0,
                                 lambda v: lambda f: f.charger_online is not True and f.offline_minutes >= v),
    "nlu_confidence_below": ("a number between 0 and 1", lambda v: _is_number(v) and 0 < v <= 1,
                             lambda v: lambda f: f.nlu_confidence is not None and f.nlu_confidence < v),
}
CONDITION_NAMES = frozenset(_CONDITIONS)


def parse_rules_file(path: Path) -> RuleSet:
    """Read and validate a rules file; raise RulesFileError listing every problem with its line."""
    return _Validator(str(path)).validate(read_yaml(path, RulesFileError))


class _Validator:
    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[str] = []

    def error(self, node: Any, message: str, key: str | None = None) -> None:
        line = line_of(node, key)
        self.problems.append(f"{self.name}:{line}: {message}" if line else f"{self.name}: {message}")

    def validate(self, data: Any) -> RuleSet:
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            raise RulesFileError([f"{self.name}: the rules file must be a mapping with a list of rules"])
        self._unknown_keys(data, _TOP_KEYS, "the rules file")
        sla = self._sla(data)
        window = self._window(data)
        rules: list[Rule] = []
        network: list[NetworkRule] = []
        seen: dict[str, int] = {}
        for node in data["rules"]:
            if not isinstance(node, dict):
                self.error(data, "each rule must be a mapping", "rules")
                continue
            name = node.get("name")
            if not isinstance(name, str) or not name:
                self.error(node, "rule: missing name")
                continue
            if name in seen:
                self.error(node, f"duplicate rule name {name!r} (first on line {seen[name]})", "name")
            seen.setdefault(name, getattr(node, "line", 0))
            built = self._rule(node, name)
            if isinstance(built, NetworkRule):
                network.append(replace(built, position=len(rules)))
            elif built is not None:
                if rules and rules[-1].catch_all:
                    self.error(node, f"rule {name}: comes after the catch-all rule {rules[-1].name}, "
                                     "which must be the last rule")
                rules.append(built)
        if len(network) > 1:
            self.error(data, "only one rule may be network_wide", "rules")
        if self.problems:
            raise RulesFileError(self.problems)
        rule_minutes = {r.name: r.sla_minutes for r in rules if r.sla_minutes is not None}
        rule_minutes.update({r.name: r.sla_minutes for r in network if r.sla_minutes is not None})
        return RuleSet(tuple(rules), SlaPolicy(sla, rule_minutes), window, network[0] if network else None,
                       self.name)

    def _window(self, data: dict[str, Any]) -> int:
        """How far back the history counts (`failed_sessions_window_minutes` is the older name)."""
        key = "history_window_minutes" if "history_window_minutes" in data else "failed_sessions_window_minutes"
        if "history_window_minutes" in data and "failed_sessions_window_minutes" in data:
            self.error(data, "give history_window_minutes only (failed_sessions_window_minutes is its old name)",
                       "failed_sessions_window_minutes")
        window = data.get(key, 60)
        if not _is_int(window) or window < 1:
            self.error(data, f"{key}: {window!r} must be a whole number of minutes", key)
            return 60
        return int(window)

    def _unknown_keys(self, node: dict[str, Any], allowed: set[str], what: str) -> None:
        for key in node:
            if key not in allowed:
                self.error(node, f"{what}: unknown field {key!r} (expected one of {', '.join(sorted(allowed))})",
                           key)

    def _sla(self, data: dict[str, Any]) -> dict[str, int]:
        raw = data.get("sla_minutes") or {}
        if not isinstance(raw, dict):
            self.error(data, "sla_minutes: must map P1..P4 to minutes", "sla_minutes")
            return dict(DEFAULT_SLA_MINUTES)
        minutes = dict(DEFAULT_SLA_MINUTES)
        for priority, value in raw.items():
            if priority not in PRIORITIES:
                self.error(raw, f"sla_minutes: {priority!r} is not one of {', '.join(PRIORITIES)}", priority)
            elif not _is_int(value) or value < 1:
                self.error(raw, f"sla_minutes: {priority}: {value!r} must be a whole number of minutes", priority)
            else:
                minutes[priority] = value
        return minutes

    def _rule(self, node: dict[str, Any], name: str) -> Rule | NetworkRule | None:
        what = f"rule {name}"
        self._unknown_keys(node, _RULE_KEYS, what)
        tier, priority = node.get("tier"), node.get("priority")
        if tier not in TIERS:
            self.error(node, f"{what}: tier {tier!r} is not one of {', '.join(TIERS)}", "tier")
        if priority not in PRIORITIES:
            self.error(node, f"{what}: priority {priority!r} is not one of {', '.join(PRIORITIES)}", "priority")
        sla = node.get("sla_minutes")
        if sla is not None and (not _is_int(sla) or sla < 1):
            self.error(node, f"{what}: sla_minutes {sla!r} must be a whole number of minutes", "sla_minutes")
        reason = self._template(node, "reason", what, name.replace("_", " "))
        next_step = self._template(node, "next_step", what, "")
        if "network_wide" in node:
            return self._network(node, name, str(tier), str(priority), sla, reason, next_step)
        catch_all = node.get("catch_all", False)
        if not isinstance(catch_all, bool):
            self.error(node, f"{what}: catch_all must be true or false", "catch_all")
            catch_all = False
        if catch_all and ("when" in node or "any" in node):
            self.error(node, f"{what}: a catch_all rule takes what no other rule took; it has no when/any")
        when = self._conditions(node.get("when"), node, "when", what)
        branches: list[tuple[Condition, ...]] = []
        raw_any = node.get("any")
        if raw_any is not None:
            if not isinstance(raw_any, list) or not raw_any:
                self.error(node, f"{what}: any must be a list of condition mappings", "any")
            else:
                branches = [self._conditions(b, node, "any", what) for b in raw_any]
        if "when" not in node and "any" not in node and not catch_all:
            self.error(node, f"{what}: needs a condition (when, any or network_wide) or catch_all: true")
        offline = _offline_threshold(node)
        problem = node.get("problem", name)
        if not isinstance(problem, str) or not problem:
            self.error(node, f"{what}: problem must be a name", "problem")
        return Rule(name, str(tier), str(priority), str(problem), reason, tuple(when), tuple(branches),
                    sla, offline, next_step, catch_all)

    def _template(self, node: dict[str, Any], key: str, what: str, default: str) -> str:
        """A reason or next_step text whose {placeholders} are all facts."""
        text = node.get(key, default)
        if not isinstance(text, str):
            self.error(node, f"{what}: {key} must be text", key)
            return default
        try:
            unknown = template_fields(text) - FACT_NAMES
        except ValueError as exc:
            self.error(node, f"{what}: {key}: {exc} (write {{{{ and }}}} for literal braces)", key)
            return default
        if unknown:
            self.error(node, f"{what}: {key} names unknown facts {', '.join(sorted(unknown))}", key)
            return default
        return text

    def _conditions(self, raw: Any, parent: Any, key: str, what: str) -> tuple[Condition, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict) or not raw:
            self.error(parent, f"{what}: {key} must be a mapping of conditions", key)
            return ()
        predicates = []
        for condition, value in raw.items():
            spec = _CONDITIONS.get(condition)
            if spec is None:
                self.error(raw, f"{what}: unknown condition {condition!r} "
                                f"(expected one of {', '.join(sorted(_CONDITIONS))})", condition)
            elif not spec[1](value):
                self.error(raw, f"{what}: {condition}: {value!r} must be {spec[0]}", condition)
            else:
                predicates.append(Condition(str(condition), value, spec[2](value)))
        return tuple(predicates)

    def _network(self, node: dict[str, Any], name: str, tier: str, priority: str, sla: Any,
                 reason: str, next_step: str) -> NetworkRule | None:
        raw = node["network_wide"]
        what = f"rule {name}: network_wide"
        if not isinstance(raw, dict):
            self.error(node, f"{what} must be a mapping", "network_wide")
            return None
        self._unknown_keys(raw, _NETWORK_KEYS, what)
        intents = _names(raw.get("intents"))
        if intents is None:
            self.error(raw, f"{what}: intents must be a list of intent names", "intents")
        numbers = {}
        for key, default in (("chargers_at_least", 5), ("sites_at_least", 2), ("window_minutes", 15)):
            value = raw.get(key, default)
            if not _is_int(value) or value < 1:
                self.error(raw, f"{what}: {key}: {value!r} must be a whole number from 1", key)
            numbers[key] = value
        if any(k in node for k in ("when", "any", "catch_all")):
            self.error(node, f"rule {name}: network_wide cannot be combined with when/any/catch_all")
        return NetworkRule(name, tier, priority, intents or (), numbers["chargers_at_least"],
                           numbers["sites_at_least"], numbers["window_minutes"], reason, sla, next_step)


def _offline_threshold(node: dict[str, Any]) -> float | None:
    branches = [node.get("when") or {}, *(b for b in node.get("any") or [] if isinstance(b, dict))]
    limits = [b["offline_minutes_at_least"] for b in branches if isinstance(b, dict)
              and _is_number(b.get("offline_minutes_at_least"))]
    return float(min(limits)) if limits else None
