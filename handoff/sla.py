"""SLA due times: minutes per priority, with per-rule overrides from the rules file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

DEFAULT_SLA_MINUTES: Mapping[str, int] = MappingProxyType({"P1": 15, "P2": 60, "P3": 240, "P4": 1440})


@dataclass(frozen=True)
class SlaPolicy:
    """How long each priority (or a rule with its own SLA) may wait for a human."""

    minutes: Mapping[str, int] = field(default_factory=lambda: DEFAULT_SLA_MINUTES)
    rule_minutes: Mapping[str, int] = field(default_factory=dict)

    def minutes_for(self, priority: str, rule: str | None = None) -> int:
        """The SLA in minutes for a ticket of this priority raised by this rule."""
        if rule is not None and rule in self.rule_minutes:
            return self.rule_minutes[rule]
        return self.minutes.get(priority, DEFAULT_SLA_MINUTES["P4"])

    def due(self, priority: str, now: datetime, rule: str | None = None) -> datetime:
        """When a ticket opened at `now` is due."""
        return now + timedelta(minutes=self.minutes_for(priority, rule))
