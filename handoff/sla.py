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


def span(seconds: float) -> str:
    """A duration as the console shows it: "45s", "02m 43s", "1h 08m 57s"."""
    whole = abs(round(seconds))
    hours, minutes, secs = whole // 3600, whole % 3600 // 60, whole % 60
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes:02d}m {secs:02d}s" if minutes else f"{secs}s"


@dataclass(frozen=True)
class SlaClock:
    """What a ticket's SLA says right now: the first-response clock, then how long resolution is taking."""

    phase: str  # "response" (waiting for a person), "resolution" (answered, still open) or "resolved"
    text: str
    late: bool  # the first response is overdue, or came after its deadline


def sla_clock(*, created_at: datetime, sla_due: datetime, first_response_at: datetime | None,
              resolved_at: datetime | None, now: datetime) -> SlaClock:
    """The SLA in words at `now`: due or overdue until a person answers; then answered in how long, open how long."""
    if first_response_at is None and resolved_at is None:
        left = (sla_due - now).total_seconds()
        if left >= 0:
            return SlaClock("response", f"first response due in {span(left)}", False)
        return SlaClock("response", f"first response overdue {span(left)}", True)
    answered = min(t for t in (first_response_at, resolved_at) if t is not None)
    late = answered > sla_due
    said = f"answered in {span((answered - created_at).total_seconds())}" + (
        f" ({span((answered - sla_due).total_seconds())} late)" if late else "")
    if resolved_at is not None:
        return SlaClock("resolved", f"{said}; resolved in {span((resolved_at - created_at).total_seconds())}", late)
    return SlaClock("resolution", f"{said}; open {span((now - created_at).total_seconds())}", late)
