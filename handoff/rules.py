"""Escalation rules as data: which facts send a problem to which tier, how urgently.

The matrix lives in a YAML file (the packaged `default_rules.yml`, or
CHARGELINE_RULES_FILE); `load_rules` validates it and `RuleSet.evaluate`
picks the most urgent rule that fires for one turn of a conversation.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import ChargeLineError
from handoff.models import PRIORITIES
from handoff.sla import SlaPolicy

log = logging.getLogger(__name__)

DEFAULT_RULES_FILE = Path(__file__).with_name("default_rules.yml")


class RulesFileError(ChargeLineError):
    """The rules file is invalid; each problem names the file and the line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class TurnFacts:
    """What the dialogue knows after one turn, for the rules to judge."""

    intent: str | None = None
    nlu_confidence: float | None = None
    safety: bool = False
    error_codes: tuple[str, ...] = ()
    driver_asked_human: bool = False
    bot_failures: int = 0
    recovery_attempted: bool = False
    recovery_verified: bool = False
    charger_id: str | None = None
    charger_online: bool | None = None
    offline_minutes: float = 0.0
    failed_sessions_recent: int = 0
    site_id: str | None = None


@dataclass(frozen=True)
class RuleHit:
    """The rule that fired and where it sends the problem."""

    rule: str
    tier: str
    priority: str
    sla_minutes: int
    reason: str
    problem: str = ""


Predicate = Callable[[TurnFacts], bool]


@dataclass(frozen=True)
class Rule:
    """One row of the escalation matrix: all of `when`, and one of `any` if given."""

    name: str
    tier: str
    priority: str
    problem: str
    reason: str
    when: tuple[Predicate, ...] = ()
    any: tuple[tuple[Predicate, ...], ...] = ()
    sla_minutes: int | None = None
    offline_minutes: float | None = None  # the offline threshold, when the rule has one

    def fires(self, facts: TurnFacts) -> bool:
        """Whether every condition (and one `any` branch, if any) holds."""
        if not all(p(facts) for p in self.when):
            return False
        return not self.any or any(all(p(facts) for p in branch) for branch in self.any)


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


@dataclass(frozen=True)
class RuleSet:
    """The validated escalation matrix."""

    rules: tuple[Rule, ...]
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    failed_sessions_window_minutes: int = 60
    network: NetworkRule | None = None
    source: str = ""

    def evaluate(self, facts: TurnFacts) -> RuleHit | None:
        """Return the most urgent rule that fires (file order breaks ties), or None: the bot handles it."""
        best: Rule | None = None
        for rule in self.rules:
            if (best is None or PRIORITIES.index(rule.priority) < PRIORITIES.index(best.priority)) \
                    and rule.fires(facts):
                best = rule
        if best is None:
            return None
        return RuleHit(best.name, best.tier, best.priority, self.sla.minutes_for(best.priority, best.name),
                       render_reason(best.reason, facts), best.problem)

    @property
    def offline_threshold_minutes(self) -> float | None:
        """The shortest time offline any rule reacts to (what the offline sweep looks for)."""
        limits = [r.offline_minutes for r in self.rules if r.offline_minutes is not None]
        return min(limits) if limits else None


def render_reason(template: str, facts: TurnFacts) -> str:
    """Fill a rule's reason template with the facts (unknowns read as 'unknown')."""
    values: dict[str, Any] = {k: ("unknown" if v is None else v) for k, v in asdict(facts).items()}
    values["error_codes"] = ", ".join(facts.error_codes) or "none"
    if isinstance(facts.offline_minutes, float):
        values["offline_minutes"] = round(facts.offline_minutes)
    return template.format_map(values)


def template_fields(template: str) -> set[str]:
    """The placeholder names in a reason template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def load_rules(path: Path | None = None) -> RuleSet:
    """Read and validate a rules file (the packaged default when None); raise RulesFileError."""
    from handoff.rulesfile import parse_rules_file

    ruleset = parse_rules_file(path or DEFAULT_RULES_FILE)
    log.info("escalation rules loaded file=%s rules=%d", ruleset.source, len(ruleset.rules))
    return ruleset

