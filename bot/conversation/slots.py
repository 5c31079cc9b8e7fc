"""Slot filling: which charger and which connector, from a QR link, the message, memory, or by asking."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.conversation.directory import Fleet, norm
from bot.conversation.turn import Turn
from bot.messages import Choice
from bot.nlu.numbers import normalise
from ocpp_bridge.snapshot import ChargerSnapshot, Connector

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "first": 1, "second": 2, "third": 3, "left": 1, "right": 2}
MAX_CHOICES = 5


@dataclass(frozen=True)
class ChargerLookup:
    """The fleet's answer to a charger reference: one id, or the candidates when ambiguous."""

    charger_id: str | None
    candidates: tuple[tuple[str, str], ...] = ()  # (id, label)


def resolve_charger(fleet: Fleet, reference: str) -> ChargerLookup:
    """Find a charger by its id or label, exactly, or by the number drivers read on it."""
    ref = norm(reference)
    if not ref:
        return ChargerLookup(None)
    exact = fleet.by_name.get(ref)
    if exact is not None:
        return ChargerLookup(exact.id)
    numbers = set(re.findall(r"\d+", reference))
    if not numbers:
        return ChargerLookup(None)
    matches = [(e.id, e.label) for e in fleet.numbered(numbers)]
    if len(matches) == 1:
        return ChargerLookup(matches[0][0])
    return ChargerLookup(None, tuple(matches[:MAX_CHOICES]))


def charger_choices(candidates: tuple[tuple[str, str], ...]) -> tuple[Choice, ...]:
    """Buttons (and keypad digits) for a list of chargers; spoken by label, with the id only for twins."""
    labels = [label for _, label in candidates]
    return tuple(Choice(title=f"{label} ({cid})", payload=f"charger:{cid}", dtmf=str(i + 1),
                        spoken=label if label and labels.count(label) == 1 else f"{label or 'charger'} {cid}")
                 for i, (cid, label) in enumerate(candidates))


def named_charger(turn: Turn, *, whole_text: bool = False) -> ChargerLookup:
    """The charger this message names (button, entity, or, when asked for, the whole text)."""
    button = turn.message.button or ""
    fleet = turn.deps.directory.fleet()
    if button.startswith("charger:"):
        return resolve_charger(fleet, button.split(":", 1)[1])
    if turn.state.awaiting == "charger" and turn.state.choices:
        chosen = _pick_by_digit(turn)
        if chosen:
            return resolve_charger(fleet, chosen.split(":", 1)[1])
    value = turn.entity("charger_id")
    if value:
        found = resolve_charger(fleet, str(value))
        if found.charger_id or found.candidates:
            return found
    if whole_text and turn.text:
        return resolve_charger(fleet, turn.text)
    mention = _STATION.search(normalise(turn.text).text) if turn.text else None
    if mention:  # "stn 6", "station six": what the NLU's tagger may miss in a long or misspelt message
        found = resolve_charger(fleet, f"station {mention.group(1)}")
        if found.charger_id:
            return found
    return ChargerLookup(None)


_STATION = re.compile(r"\b(?:station|stn|stat|charger|charge point|chargepoint|pillar|post|cp)\s*(?:no\.?|number|nr|#)?"
                      r"\s*-?(\d{1,5})\b", re.I)


def _pick_by_digit(turn: Turn) -> str | None:
    # a keypad digit or a lone "2" picks the n-th offered option
    raw = (turn.message.digits or turn.text).strip()
    if raw.isdigit() and 1 <= int(raw) <= len(turn.state.choices) and len(turn.state.choices) > 1:
        return turn.state.choices[int(raw) - 1]
    return None


def apply_hint(turn: Turn) -> None:
    """A QR deep link names the charger the driver stands at."""
    hint = turn.message.charger_hint
    if not hint:
        return
    found = resolve_charger(turn.deps.directory.fleet(), hint)
    if found.charger_id and found.charger_id != turn.state.charger_id:
        turn.state.charger_id = found.charger_id
        turn.state.connector_id = None


def need_charger(turn: Turn) -> bool:
    """True when the charger is known; otherwise ask for it (with choices) and return False."""
    state = turn.state
    if state.charger_id:
        return True
    found = named_charger(turn)
    if found.charger_id:
        state.charger_id = found.charger_id
        return True
    if found.candidates:
        ask_charger_choice(turn, found.candidates)
        return False
    choices: tuple[Choice, ...] = ()
    if state.awaiting == "charger":  # asked before without a usable answer: say it differently
        text, voice = turn.t("which_charger.again"), turn.t("which_charger.again_voice")
    else:
        text, voice = turn.t("which_charger.ask"), turn.t("which_charger.ask_voice")
    if state.previous_charger:
        label = turn.label(state.previous_charger)
        choices = (Choice(title=f"{label} again", payload=f"charger:{state.previous_charger}", dtmf="1",
                          spoken=f"{label}, the one you used last time"),)
        text += turn.t("which_charger.last_time", label=label)
    state.ask("charger", [c.payload for c in choices])
    turn.say(text, voice, choices=choices, key_in=turn.t("which_charger.key_in"))
    return False


def ask_charger_choice(turn: Turn, candidates: tuple[tuple[str, str], ...]) -> None:
    """Several chargers match: let the driver pick one."""
    choices = charger_choices(candidates)
    turn.state.ask("charger", [c.payload for c in choices])
    turn.say(turn.t("which_charger.several"), choices=choices)


def connectors_of(snapshot: ChargerSnapshot | None) -> tuple[Connector, ...]:
    """The snapshot's plugs (`ChargerSnapshot.plugs`); none without a snapshot."""
    return snapshot.plugs if snapshot is not None else ()


def named_connector(turn: Turn, snapshot: ChargerSnapshot | None) -> int | None:
    """The connector this message names: a button, a number, or a plug type present on this charger."""
    connectors = connectors_of(snapshot)
    ids = {c.id for c in connectors}
    button = turn.message.button or ""
    if button.startswith("connector:") and button.split(":", 1)[1].isdigit():
        return int(button.split(":", 1)[1])
    plug = turn.entity("connector_type")
    if plug:  # "the shady mo one": the plug type says more than a stray "one"
        same = [c.id for c in connectors if norm(str(c.type)) == norm(str(plug))]
        if len(same) == 1:
            return same[0]
    candidates: list[Any] = [turn.entity("connector_id")]
    if turn.state.awaiting == "connector":
        candidates.append(turn.message.digits or turn.text)
    for raw in candidates:
        number = _number(raw)
        if number in ids:
            return number
    return None


def _number(raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, (int, float)):
        return int(raw)
    text = str(raw).lower()
    digits = re.findall(r"\d+", text)
    if digits:
        return int(digits[0])
    for word, value in NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", text):
            return value
    return None


def need_connector(turn: Turn, snapshot: ChargerSnapshot | None, *, prefer: int | None = None) -> bool:
    """True when the connector is known or does not matter; otherwise ask and return False."""
    state = turn.state
    connectors = connectors_of(snapshot)
    if state.connector_id is None:
        state.connector_id = named_connector(turn, snapshot)
    if state.connector_id is not None:
        return True
    if len(connectors) <= 1:
        state.connector_id = connectors[0].id if connectors else None
        return True
    if prefer is not None:
        state.connector_id = prefer
        return True
    choices = tuple(Choice(title=_upper_first(_plug(turn, c)), payload=f"connector:{c.id}", dtmf=str(c.id),
                           spoken=_plug(turn, c, spoken=True)) for c in connectors)
    again = state.awaiting == "connector"
    state.ask("connector", [c.payload for c in choices])
    if again:  # asked before without an answer we could use: say it differently
        named = turn.t("slots.or").join(_lower_first(c.title) for c in choices)
        turn.say(turn.t("slots.which_plug_again", label=turn.label(), named=named),
                 turn.t("slots.which_plug_again_voice"), choices=choices)
    else:
        turn.say(turn.t("slots.which_connector", label=turn.label(), count=len(connectors)),
                 turn.t("slots.which_connector_voice"), choices=choices)
    return False


def ask_about_fault(turn: Turn, snapshot: ChargerSnapshot | None, connector_id: int) -> bool:
    """One connector of several is faulted: lead with it and ask whether it is the driver's; True if known."""
    state = turn.state
    state.connector_id = named_connector(turn, snapshot)
    if state.connector_id is not None:
        return True
    connectors = connectors_of(snapshot)
    faulted = [c for c in connectors if c.id == connector_id]
    others = [c for c in connectors if c.id != connector_id]
    if not faulted or not others:
        return need_connector(turn, snapshot)
    choices = (Choice(title=turn.t("slots.yes_plug", plug=_plug(turn, faulted[0])), payload=f"connector:{connector_id}",
                      dtmf="1", spoken=turn.t("slots.yes_plug_spoken", plug=_plug(turn, faulted[0], spoken=True))),
               *(Choice(title=turn.t("slots.no_plug", plug=_plug(turn, c)), payload=f"connector:{c.id}", dtmf=str(n),
                        spoken=turn.t("slots.no_plug_spoken", plug=_plug(turn, c, spoken=True)))
                 for n, c in enumerate(others, 2)))
    state.ask("connector", [c.payload for c in choices])
    plug, heard = _upper_first(_plug(turn, faulted[0])), _upper_first(_plug(turn, faulted[0], spoken=True))
    turn.say(turn.t("slots.fault_here", plug=plug, label=turn.label()),
             turn.t("slots.fault_here_voice", plug=heard, label=turn.label()), choices=choices)
    return False


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _plug(turn: Turn, connector: Connector, *, spoken: bool = False) -> str:
    kind = connector.type
    if not kind:
        return turn.t("describe.plug", id=connector.id)
    return turn.t("slots.plug_spoken" if spoken else "describe.plug_typed", id=connector.id, type=kind)
