"""The dialogue corpus: whole conversations with the charger state they run against and the outcome expected.

Format in docs/dialogues.md. `load_corpus(path)` reads one YAML file or every
`*.yml` in a folder and raises `CorpusError` naming the file and line of every
problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import ProblemsError
from bot.evaluation.scenarios import SCENARIOS, unknown_params
from bot.messages import CHANNELS
from bot.yamlfile import line_of, read_yaml

DEFAULT_CORPUS = Path("tests") / "data" / "dialogues"
TIERS = ("tier1", "tier2", "field_engineering", "platform_ops")
PRIORITIES = ("P1", "P2", "P3", "P4")
ACTIONS = ("Reset", "UnlockConnector", "RemoteStopTransaction", "RemoteStartTransaction", "TriggerMessage")
_DIALOGUE_KEYS = {"id", "category", "channel", "charger", "qr", "scenario", "params", "turns", "expect"}
_EXPECT_KEYS = {"ticket", "actions", "guide", "says", "not_says", "handoff"}
_TURN_KEYS = {"text", "press", "button", "expect"}
_TURN_EXPECT_KEYS = {"says", "not_says"}


class CorpusError(ProblemsError):
    """The corpus has problems; each names the file and line."""


@dataclass(frozen=True)
class TicketExpected:
    """What the conversation's last ticket must show (None: not checked)."""

    tier: str | None = None
    priority: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Expected:
    """The outcome of the whole conversation."""

    ticket: TicketExpected | None  # None: no ticket may be opened
    actions: tuple[str, ...]
    guides: tuple[str, ...] = ()  # one of these must be shown (empty: not checked)
    says: tuple[str, ...] = ()
    not_says: tuple[str, ...] = ()
    handoff: bool | None = None


@dataclass(frozen=True)
class DriverTurn:
    """One thing the driver does: text (or speech), a keypad key, or a button."""

    text: str = ""
    press: str | None = None
    button: str | None = None
    says: tuple[str, ...] = ()
    not_says: tuple[str, ...] = ()

    def describe(self) -> str:
        """How the turn reads in a transcript."""
        if self.press is not None:
            return f"[press {self.press}]" + (f" {self.text}" if self.text else "")
        if self.button is not None:
            return f"[button {self.button}]"
        return self.text


@dataclass(frozen=True)
class Dialogue:
    """One conversation of the corpus."""

    id: str
    category: str
    channel: str
    turns: tuple[DriverTurn, ...]
    expected: Expected
    charger: str | None = None
    qr: bool = False
    scenario: str = "healthy"
    params: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # file:line


def load_corpus(path: Path, *, channel: str | None = None) -> list[Dialogue]:
    """Read a corpus file or folder; keep one channel when given. Raise CorpusError on any problem."""

    files = sorted(path.glob("*.yml")) + sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise CorpusError([f"{path}: no *.yml files"])
    problems: list[str] = []
    dialogues: list[Dialogue] = []
    seen: dict[str, str] = {}
    for file in files:
        try:
            found = _parse_file(file, set(SCENARIOS))
        except CorpusError as exc:
            problems.extend(exc.problems)
            continue
        for dialogue in found:
            if dialogue.id in seen:
                problems.append(f"{dialogue.source}: id {dialogue.id!r} is used twice (first at {seen[dialogue.id]})")
            seen.setdefault(dialogue.id, dialogue.source)
        dialogues.extend(found)
    if problems:
        raise CorpusError(problems)
    return [d for d in dialogues if channel is None or d.channel == channel]


def _parse_file(path: Path, scenarios: set[str]) -> list[Dialogue]:
    data = read_yaml(path, CorpusError)
    if not isinstance(data, dict) or not isinstance(data.get("dialogues"), list):
        raise CorpusError([f"{path}:1: expected a mapping with a 'dialogues:' list"])
    problems: list[str] = []
    found = []
    for node in data["dialogues"]:
        where = f"{path}:{line_of(node)}"
        if not isinstance(node, dict):
            problems.append(f"{where}: each dialogue must be a mapping")
            continue
        parser = _DialogueParser(node, where, str(path), scenarios)
        dialogue = parser.parse()
        problems.extend(parser.problems)
        if dialogue is not None:
            found.append(dialogue)
    if problems:
        raise CorpusError(problems)
    return found


class _DialogueParser:
    """Validate one dialogue mapping, collecting every problem with its line."""

    def __init__(self, node: dict[str, Any], where: str, file: str, scenarios: set[str]) -> None:
        self.node, self.where, self.file, self.scenarios = node, where, file, scenarios
        self.problems: list[str] = []

    def at(self, node: Any, key: str | None = None) -> str:
        return f"{self.file}:{line_of(node, key)}"

    def parse(self) -> Dialogue | None:
        node = self.node
        for key in sorted(set(node) - _DIALOGUE_KEYS):
            self.problems.append(f"{self.at(node, key)}: unknown key {key!r}; known: {', '.join(sorted(_DIALOGUE_KEYS))}")
        ident = self._text(node, "id", required=True)
        channel = self._text(node, "channel", required=True)
        if channel and channel not in CHANNELS:
            self.problems.append(f"{self.at(node, 'channel')}: channel must be one of {', '.join(CHANNELS)}")
        scenario = self._text(node, "scenario") or "healthy"
        if scenario not in self.scenarios:
            self.problems.append(f"{self.at(node, 'scenario')}: unknown scenario {scenario!r}; known: "
                                 f"{', '.join(sorted(self.scenarios))}")
        charger = self._text(node, "charger")
        qr = node.get("qr", False)
        if not isinstance(qr, bool):
            self.problems.append(f"{self.at(node, 'qr')}: qr must be true or false")
        if qr and not charger:
            self.problems.append(f"{self.at(node, 'qr')}: qr: true needs the charger")
        if scenario != "healthy" and scenario != "payment_outage" and not charger:
            self.problems.append(f"{self.at(node, 'scenario')}: scenario {scenario!r} needs the charger it plays on")
        params = node.get("params") or {}
        if not isinstance(params, dict):
            self.problems.append(f"{self.at(node, 'params')}: params must be a mapping")
            params = {}
        elif scenario in self.scenarios and unknown_params(scenario, params):
            self.problems.append(f"{self.at(node, 'params')}: scenario {scenario!r} has no parameter "
                                 f"{', '.join(unknown_params(scenario, params))}")
        turns = self._turns(node.get("turns"))
        expected = self._expected(node.get("expect"))
        if self.problems or not ident or not channel or expected is None:
            return None
        return Dialogue(id=ident, category=self._text(node, "category") or "uncategorised", channel=channel,
                        turns=turns, expected=expected, charger=charger, qr=bool(qr), scenario=scenario,
                        params=dict(params), source=self.where)

    def _text(self, node: dict[str, Any], key: str, *, required: bool = False) -> str | None:
        value = node.get(key)
        if value is None:
            if required:
                self.problems.append(f"{self.at(node)}: {key} is required")
            return None
        if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
            self.problems.append(f"{self.at(node, key)}: {key} must be a non-empty text")
            return None
        return str(value).strip()

    def _texts(self, node: dict[str, Any], key: str) -> tuple[str, ...]:
        value = node.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and str(v).strip() for v in value):
            self.problems.append(f"{self.at(node, key)}: {key} must be a list of texts")
            return ()
        return tuple(str(v) for v in value)

    def _turns(self, value: Any) -> tuple[DriverTurn, ...]:
        if not isinstance(value, list) or not value:
            self.problems.append(f"{self.at(self.node, 'turns')}: turns must be a non-empty list")
            return ()
        turns = []
        for item in value:
            if isinstance(item, (str, int)) and not isinstance(item, bool):
                turns.append(DriverTurn(text=str(item)))
                continue
            if not isinstance(item, dict):
                self.problems.append(f"{self.at(self.node, 'turns')}: a turn is a text or a mapping")
                continue
            for key in sorted(set(item) - _TURN_KEYS):
                self.problems.append(f"{self.at(item, key)}: unknown turn key {key!r}; known: "
                                     f"{', '.join(sorted(_TURN_KEYS))}")
            given = [k for k in ("text", "press", "button") if item.get(k) is not None]
            if not given or ("button" in given and len(given) > 1):
                self.problems.append(f"{self.at(item)}: a turn needs text, press or button (button alone)")
                continue
            checks = item.get("expect") or {}
            if not isinstance(checks, dict):
                self.problems.append(f"{self.at(item, 'expect')}: a turn's expect must be a mapping")
                checks = {}
            for key in sorted(set(checks) - _TURN_EXPECT_KEYS):
                self.problems.append(f"{self.at(checks, key)}: unknown turn expectation {key!r}; known: says, not_says")
            turns.append(DriverTurn(
                text=str(item.get("text") or ""),
                press=str(item["press"]) if item.get("press") is not None else None,
                button=str(item["button"]) if item.get("button") is not None else None,
                says=self._texts(checks, "says"), not_says=self._texts(checks, "not_says")))
        return tuple(turns)

    def _expected(self, value: Any) -> Expected | None:
        node = self.node
        if not isinstance(value, dict):
            self.problems.append(f"{self.at(node, 'expect')}: expect (with ticket and actions) is required")
            return None
        for key in sorted(set(value) - _EXPECT_KEYS):
            self.problems.append(f"{self.at(value, key)}: unknown expectation {key!r}; known: "
                                 f"{', '.join(sorted(_EXPECT_KEYS))}")
        for key in ("ticket", "actions"):
            if key not in value:
                self.problems.append(f"{self.at(value)}: expect.{key} is required (use none / [] for nothing)")
        ticket = self._ticket(value)
        actions = value.get("actions")
        if actions is None or actions == "none":
            actions = []
        if not isinstance(actions, list) or any(a not in ACTIONS for a in actions):
            self.problems.append(f"{self.at(value, 'actions')}: actions must be a list of {', '.join(ACTIONS)}")
            actions = []
        handoff = value.get("handoff")
        if handoff is not None and not isinstance(handoff, bool):
            self.problems.append(f"{self.at(value, 'handoff')}: handoff must be true or false")
            handoff = None
        return Expected(ticket=ticket, actions=tuple(actions), guides=self._texts(value, "guide"),
                        says=self._texts(value, "says"), not_says=self._texts(value, "not_says"), handoff=handoff)

    def _ticket(self, value: dict[str, Any]) -> TicketExpected | None:
        ticket = value.get("ticket")
        if ticket in (None, "none", False):
            return None
        if not isinstance(ticket, dict) or not ticket:
            self.problems.append(f"{self.at(value, 'ticket')}: ticket must be none or a mapping of tier, priority, rule")
            return None
        for key in sorted(set(ticket) - {"tier", "priority", "rule"}):
            self.problems.append(f"{self.at(ticket, key)}: unknown ticket key {key!r}; known: tier, priority, rule")
        tier, priority = ticket.get("tier"), ticket.get("priority")
        if tier is not None and tier not in TIERS:
            self.problems.append(f"{self.at(ticket, 'tier')}: tier must be one of {', '.join(TIERS)}")
        if priority is not None and priority not in PRIORITIES:
            self.problems.append(f"{self.at(ticket, 'priority')}: priority must be one of {', '.join(PRIORITIES)}")
        rule = ticket.get("rule")
        return TicketExpected(tier=tier, priority=priority, rule=str(rule) if rule else None)
