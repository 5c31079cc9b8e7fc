"""Judge played dialogues against their expectations, and sum them up by channel, category and length."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.evaluation.corpus import TicketExpected
from bot.evaluation.runner import DialogueRun


@dataclass(frozen=True)
class Verdict:
    """One dialogue's result: what went wrong (nothing: success) and whether the bot repeated itself."""

    run: DialogueRun
    failures: tuple[str, ...]
    repeated: tuple[str, ...]  # answers sent more than once

    @property
    def success(self) -> bool:
        return not self.failures and not self.repeated


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def judge(run: DialogueRun) -> Verdict:
    """Compare one run with its dialogue's expectations."""
    expected = run.dialogue.expected
    if run.error:
        return Verdict(run, (f"could not be played: {run.error}",), ())
    failures: list[str] = []
    everything = _norm("\n".join(e.shown.text for e in run.exchanges))
    failures += _ticket_failures(expected.ticket, run.tickets)
    if list(expected.actions) != run.actions:
        failures.append(f"remote actions {run.actions or 'none'}, expected {list(expected.actions) or 'none'}")
    if run.actions_after_safety:
        failures.append(f"remote commands after a safety report: {run.actions_after_safety}")
    if expected.guides and not set(expected.guides) & set(run.guides):
        failures.append(f"none of the guides {list(expected.guides)} shown (shown: {run.guides or 'none'})")
    failures += [f"never said {s!r}" for s in expected.says if _norm(s) not in everything]
    failures += [f"said {s!r}" for s in expected.not_says if _norm(s) in everything]
    handed = any(e.shown.handoff for e in run.exchanges)
    if expected.handoff is not None and handed != expected.handoff:
        failures.append("handed the driver to a human" if handed else "did not hand the driver to a human")
    for number, (turn, exchange) in enumerate(zip(run.dialogue.turns, _driver_exchanges(run)), 1):
        said = _norm(exchange.shown.text)
        failures += [f"turn {number}: never said {s!r}" for s in turn.says if _norm(s) not in said]
        failures += [f"turn {number}: said {s!r}" for s in turn.not_says if _norm(s) in said]
    return Verdict(run, tuple(failures), repeats(run))


def _driver_exchanges(run: DialogueRun) -> list[Any]:
    """The exchanges of the dialogue's own turns (a Telegram deep link adds a /start exchange before them)."""
    deep_link = run.dialogue.channel == "telegram" and run.dialogue.qr
    return run.exchanges[1:] if deep_link and run.exchanges and run.exchanges[0].driver.startswith("/start ") \
        else run.exchanges


def _ticket_failures(expected: TicketExpected | None, tickets: Sequence[dict[str, Any]]) -> list[str]:
    if expected is None:
        return [f"opened ticket {t['id']} ({t['tier']} {t['priority']} {t.get('rule')}), expected none"
                for t in tickets]
    if not tickets:
        return [f"no ticket, expected {_describe(expected)}"]
    last = tickets[-1]
    wrong = [f"{key} {last.get(key)}" for key in ("tier", "priority", "rule")
             if getattr(expected, key) is not None and last.get(key) != getattr(expected, key)]
    return [f"ticket {last['id']} has {', '.join(wrong)}; expected {_describe(expected)}"] if wrong else []


def _describe(expected: TicketExpected) -> str:
    return " ".join(v for v in (expected.tier, expected.priority, expected.rule) if v) or "a ticket"


def repeats(run: DialogueRun) -> tuple[str, ...]:
    """Answers the bot sent more than once in the conversation, word for word."""
    seen: set[str] = set()
    repeated: list[str] = []
    for exchange in run.exchanges:
        for text in exchange.shown.texts:
            key = _norm(text)
            if not key:
                continue
            if key in seen and text not in repeated:
                repeated.append(text)
            seen.add(key)
    return tuple(repeated)


def _rate(verdicts: Sequence[Verdict]) -> dict[str, Any]:
    ok = sum(v.success for v in verdicts)
    return {"n": len(verdicts), "passed": ok, "task_success": round(ok / len(verdicts), 4) if verdicts else 0.0}


def _group(verdicts: Iterable[Verdict], key: Any) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Verdict]] = defaultdict(list)
    for verdict in verdicts:
        groups[str(key(verdict))].append(verdict)
    return {name: _rate(group) for name, group in sorted(groups.items())}


def summarise(verdicts: Sequence[Verdict], seconds: float | None = None) -> dict[str, Any]:
    """The evaluator's JSON: task success overall and per channel, category and number of driver turns."""
    summary: dict[str, Any] = {
        "n": len(verdicts),
        "task_success": _rate(verdicts)["task_success"],
        "passed": sum(v.success for v in verdicts),
        "loops": sum(bool(v.repeated) for v in verdicts),
        "per_channel": _group(verdicts, lambda v: v.run.dialogue.channel),
        "per_category": _group(verdicts, lambda v: v.run.dialogue.category),
        "per_scenario": _group(verdicts, lambda v: v.run.dialogue.scenario),
        "per_turns": _group(verdicts, lambda v: len(v.run.dialogue.turns)),
        "per_file": _group(verdicts, lambda v: v.run.dialogue.source.rsplit(":", 1)[0].rsplit("/", 1)[-1]),
        "failures": [failure_json(v) for v in verdicts if not v.success],
    }
    if seconds is not None:
        summary["seconds"] = round(seconds, 1)
    return summary


def failure_json(verdict: Verdict) -> dict[str, Any]:
    """One failed dialogue with its reasons and transcript."""
    d = verdict.run.dialogue
    reasons = list(verdict.failures) + [f"repeated answer: {t[:120]!r}" for t in verdict.repeated]
    return {"id": d.id, "source": d.source, "channel": d.channel, "category": d.category, "scenario": d.scenario,
            "reasons": reasons, "tickets": [{k: t.get(k) for k in ("id", "tier", "priority", "rule")}
                                            for t in verdict.run.tickets],
            "actions": verdict.run.actions,
            "transcript": [{"driver": e.driver, "bot": list(e.shown.texts)} for e in verdict.run.exchanges]}
