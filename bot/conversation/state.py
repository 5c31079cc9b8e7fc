"""The dialogue state kept between turns, stored as JSON on the conversation row."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class DialogueState:
    """Slots and the bot's open question; everything the next turn needs to continue."""

    intent: str | None = None  # the driver's problem being worked on (a playbook name)
    topic: str | None = None  # the last problem worked on, kept after it is done (for corrections)
    charger_id: str | None = None
    connector_id: int | None = None
    awaiting: str | None = None  # what the bot last asked: charger, connector, confirm, worked, ...
    asked: int = 0  # how often the open question was asked without a usable answer
    clarifications: int = 0  # clarifying questions asked for low-confidence NLU in a row
    pending_action: dict[str, Any] | None = None  # a remote action waiting for the driver's yes
    choices: list[str] = field(default_factory=list)  # payloads offered with the open question
    slots: dict[str, Any] = field(default_factory=dict)  # amount, date, battery level, error text, ...
    actions: list[dict[str, Any]] = field(default_factory=list)  # remote actions with results
    safety_chargers: list[str] = field(default_factory=list)  # no remote action on these, ever
    ticket_id: str | None = None
    handed_off: str | None = None  # the ticket a human now holds (set by a handoff)
    previous_charger: str | None = None  # from the driver's last conversation
    last_nlu_confidence: float | None = None
    told: list[str] = field(default_factory=list)  # guides already given (never given twice)
    lacks: list[str] = field(default_factory=list)  # payment means the driver said they do not have
    sent: list[str] = field(default_factory=list)  # digests of answers already sent (never sent twice)
    pending_problem: str | None = None  # a second problem from the same message, for after the first
    ticket_sla: int | None = None  # minutes within which the team on the latest ticket answers (its SLA)
    waits: int = 0  # messages answered while the driver waits for a colleague
    language: str | None = None  # the conversation's language (bot.i18n code); None: not known yet, English

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> DialogueState:
        """Rebuild from stored JSON, ignoring keys an older or newer version wrote."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def to_json(self) -> dict[str, Any]:
        """The JSON to store."""
        return asdict(self)

    def ask(self, what: str, choices: list[str] | None = None) -> None:
        """Remember the open question (counting repeats of the same one)."""
        self.asked = self.asked + 1 if self.awaiting == what else 1
        self.awaiting = what
        self.choices = list(choices or [])

    def settle(self) -> None:
        """The open question got its answer."""
        self.awaiting = None
        self.asked = 0
        self.choices = []
