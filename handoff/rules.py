"""Escalation rules as data: which facts send a problem to which tier, how urgently, and what to do next.

The matrix lives in a YAML file (the packaged `default_rules.yml`, or
CHARGELINE_RULES_FILE); `load_rules` validates it. Playbooks only report facts:
`RuleSet.evaluate` picks the most urgent rule that fires (file order breaks
ties), and `RuleSet.route` does the same for a ticket the bot must open, falling
back to the file's catch-all rule and, without one, to `unrouted` (tier1, P3).
"""

from __future__ import annotations

import logging
import string
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from bot.errors import ProblemsError
from handoff.models import PRIORITIES
from handoff.sla import SlaPolicy

log = logging.getLogger(__name__)

DEFAULT_RULES_FILE = Path(__file__).with_name("default_rules.yml")
UNROUTED = "unrouted"  # the code's own fallback when no rule (not even a catch-all) takes a ticket


class RulesFileError(ProblemsError):
    """The rules file is invalid; each problem names the file and the line."""


@dataclass(frozen=True)
class TurnFacts:
    """What the dialogue (or the offline sweep) knows, for the rules to judge; documented in default_rules.yml."""

    # the conversation
    intent: str | None = None
    nlu_confidence: float | None = None
    charger_id: str | None = None
    site_id: str | None = None
    # the charger's live state and history
    charger_online: bool | None = None
    no_live_data: bool = False
    error_codes: tuple[str, ...] = ()
    offline_minutes: float = 0.0
    failed_sessions_recent: int = 0
    rejected_sessions_recent: int = 0
    offline_spells_recent: int = 0
    # what the driver said
    network_incident: bool = False  # the driver's problem is part of an open network-wide incident
    safety: bool = False
    driver_asked_human: bool = False
    card_refused: bool = False
    repeat_reported: bool = False  # the driver says it keeps happening here ("again", "third time")
    # what the bot did and how it went
    safety_alarm: bool = False
    reset_cannot_fix: bool = False
    recovery_attempted: bool = False
    recovery_verified: bool = False
    recovery_helped: bool | None = None
    recovery_refused: bool = False
    refusal_reason: str | None = None
    charger_unreachable: bool = False
    cable_release_failed: bool = False
    no_progress: bool = False
    bot_failures: int = 0

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> TurnFacts:
        """Build from a plain mapping (what the engine reports, or what a ticket stored); unknown keys are dropped."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "error_codes" in values:
            values["error_codes"] = tuple(str(c) for c in values["error_codes"] or ())
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        """The facts as JSON (what a ticket stores for `chargeline rules explain`)."""
        data = asdict(self)
        data["error_codes"] = list(self.error_codes)
        return data


FACT_NAMES = frozenset(f.name for f in fields(TurnFacts))


@dataclass(frozen=True)
class RuleHit:
    """The rule that fired, where it sends the problem, and the facts it saw."""

    rule: str
    tier: str
    priority: str
    sla_minutes: int
    reason: str
    problem: str = ""
    next_step: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    also_fired: tuple[str, ...] = ()  # other rules that fired but lost on urgency or file order
    matched: tuple[str, ...] = ()  # the winning rule's conditions that held
    source: str = ""  # the rules file

    @property
    def routing(self) -> dict[str, Any]:
        """What a ticket stores about its routing."""
        return {"rule": self.rule, "tier": self.tier, "priority": self.priority, "sla_minutes": self.sla_minutes,
                "reason": self.reason, "next_step": self.next_step, "matched": list(self.matched),
                "also_fired": list(self.also_fired), "rules_file": self.source, "facts": self.facts}


Predicate = Callable[[TurnFacts], bool]


@dataclass(frozen=True)
class Condition:
    """One condition of a rule as the file wrote it (`offline_minutes_at_least: 30`) and its test."""

    name: str
    value: Any
    test: Predicate

    def __call__(self, facts: TurnFacts) -> bool:
        return self.test(facts)

    @property
    def text(self) -> str:
        """The condition as written in the file."""
        value = self.value
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list):
            value = "[" + ", ".join(str(v) for v in value) + "]"
        return f"{self.name}: {value}"


@dataclass(frozen=True)
class Rule:
    """One row of the escalation matrix: all of `when`, and one of `any` if given."""

    name: str
    tier: str
    priority: str
    problem: str
    reason: str
    when: tuple[Condition, ...] = ()
    any: tuple[tuple[Condition, ...], ...] = ()
    sla_minutes: int | None = None
    offline_minutes: float | None = None  # the offline threshold, when the rule has one
    next_step: str = ""
    catch_all: bool = False  # takes a ticket the bot must open when nothing else fires; never fires otherwise

    def fires(self, facts: TurnFacts) -> bool:
        """Whether every condition (and one `any` branch, if any) holds."""
        if self.catch_all:
            return False
        if not all(p(facts) for p in self.when):
            return False
        return not self.any or any(all(p(facts) for p in branch) for branch in self.any)

    def matched(self, facts: TurnFacts) -> list[str]:
        """The conditions that made the rule fire: all of `when`, and the first `any` branch that held."""
        branch = next((b for b in self.any if all(p(facts) for p in b)), ())
        return [c.text for c in (*self.when, *branch)] or (["catch_all: true"] if self.catch_all else [])


@dataclass(frozen=True)
class NetworkRule:
    """The network-wide rule: complaints of these intents on many chargers and sites at once."""

    name: str
    tier: str
    priority: str
    intents: tuple[str, ...]
    chargers_at_least: int
    sites_at_least: int
    window_minutes: int
    reason: str
    sla_minutes: int | None = None
    next_step: str = ""
    position: int = 0  # how many ordinary rules come before it in the file (for ties)
    problem: str = ""

    def fires(self, facts: TurnFacts) -> bool:
        """For one ticket: whether the driver's problem is part of the open incident this rule opened."""
        return facts.network_incident

    def matched(self, facts: TurnFacts) -> list[str]:
        """The condition that made it fire for a ticket."""
        return ["network_incident: true"]


@dataclass(frozen=True)
class RuleSet:
    """The validated escalation matrix."""

    rules: tuple[Rule, ...]
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    history_window_minutes: int = 60  # how far back failed/rejected sessions and offline spells count
    network: NetworkRule | None = None
    source: str = ""

    @property
    def failed_sessions_window_minutes(self) -> int:
        """The history window under its older name."""
        return self.history_window_minutes

    def evaluate(self, facts: TurnFacts) -> RuleHit | None:
        """Return the most urgent rule that fires (file order breaks ties), or None: the bot handles it."""
        candidates: list[Rule | NetworkRule] = list(self.rules)
        if self.network is not None:
            candidates.insert(self.network.position, self.network)
        fired = [rule for rule in candidates if rule.fires(facts)]
        if not fired:
            return None
        best = min(fired, key=lambda r: PRIORITIES.index(r.priority))  # min keeps the first of equals
        return self._hit(best, facts, tuple(r.name for r in fired if r is not best))

    def route(self, facts: TurnFacts) -> RuleHit:
        """Where a ticket the bot must open goes: the rule that fires, else the catch-all, else `unrouted`."""
        hit = self.evaluate(facts)
        if hit is not None:
            return hit
        fallback = next((r for r in self.rules if r.catch_all), None)
        if fallback is not None:
            return self._hit(fallback, facts, ())
        return unrouted(facts, self.sla)

    def _hit(self, rule: Rule | NetworkRule, facts: TurnFacts, also: tuple[str, ...]) -> RuleHit:
        return RuleHit(rule.name, rule.tier, rule.priority, self.sla.minutes_for(rule.priority, rule.name),
                       render(rule.reason, facts), rule.problem or rule.name, render(rule.next_step, facts),
                       facts.to_json(),
                       also, tuple(rule.matched(facts)), self.source)

    @property
    def offline_threshold_minutes(self) -> float | None:
        """The shortest time offline any rule reacts to (what the offline sweep looks for)."""
        limits = [r.offline_minutes for r in self.rules if r.offline_minutes is not None]
        return min(limits) if limits else None


def unrouted(facts: TurnFacts, sla: SlaPolicy | None = None) -> RuleHit:
    """The code's fallback for a ticket no rule took: tier1, P3, logged as a warning so the file gets fixed."""
    log.warning("no escalation rule took this ticket; routed to tier1 P3 as %s (add a catch-all rule) "
                "charger=%s intent=%s", UNROUTED, facts.charger_id, facts.intent)
    minutes = (sla or SlaPolicy()).minutes_for("P3")
    return RuleHit(UNROUTED, "tier1", "P3", minutes, "No escalation rule matched this ticket.", UNROUTED,
                   "Read the transcript and contact the driver.", facts.to_json())


def render(template: str, facts: TurnFacts) -> str:
    """Fill a rule's reason or next-step template with the facts (unknowns read as 'unknown')."""
    values: dict[str, Any] = {k: ("unknown" if v is None else v) for k, v in asdict(facts).items()}
    values["error_codes"] = ", ".join(facts.error_codes) or "none"
    if isinstance(facts.offline_minutes, float):
        values["offline_minutes"] = round(facts.offline_minutes)
    return template.format_map(values)



def template_fields(template: str) -> set[str]:
    """The placeholder names in a reason or next-step template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def load_rules(path: Path | None = None) -> RuleSet:
    """Read and validate a rules file (the packaged default when None); raise RulesFileError."""
    from handoff.rulesfile import parse_rules_file

    ruleset = parse_rules_file(path or DEFAULT_RULES_FILE)
    log.info("escalation rules loaded file=%s rules=%d", ruleset.source, len(ruleset.rules))
    return ruleset
