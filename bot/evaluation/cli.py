"""`chargeline eval dialogues`: play the dialogue corpus and report task success."""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import click

from bot.cli.common import fail, settings_or_exit
from bot.errors import NLUUnavailable
from bot.evaluation.corpus import DEFAULT_CORPUS, CorpusError, load_corpus
from bot.messages import CHANNELS


def register(group: click.Group) -> None:
    """Add the `eval` command group."""
    group.add_command(eval_group)


@click.group("eval")
def eval_group() -> None:
    """Evaluate the bot on whole conversations."""


@eval_group.command("dialogues")
@click.option("--data", "data", type=click.Path(exists=True, path_type=Path), default=None,
              help=f"a corpus file or folder of *.yml (default: {DEFAULT_CORPUS})")
@click.option("--channel", type=click.Choice(CHANNELS), help="play only this channel's dialogues")
@click.option("--id", "ids", multiple=True, help="play only these dialogues (repeatable)")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object instead of the report")
@click.option("--check", is_flag=True, help="only validate the corpus files")
@click.option("--jobs", type=click.IntRange(1, 16), default=3, show_default=True, help="dialogues played at once")
@click.option("--fail-under", type=click.FloatRange(0, 1), help="exit 1 when task success is below this")
def dialogues_command(data: Path | None, channel: str | None, ids: tuple[str, ...], as_json: bool, check: bool,
                      jobs: int, fail_under: float | None) -> None:
    """Play the dialogue corpus through the real engine, bridge and simulated chargers."""
    source = data or DEFAULT_CORPUS
    if not source.exists():
        fail(f"{source}: no corpus here (give --data FILE_OR_DIR)")
    try:
        dialogues = load_corpus(source, channel=channel)
    except CorpusError as exc:
        fail(exc.problems, code=1)
    if ids:
        unknown = set(ids) - {d.id for d in dialogues}
        if unknown:
            fail(f"no dialogue with id {', '.join(sorted(unknown))}")
        dialogues = [d for d in dialogues if d.id in ids]
    if check:
        click.echo(f"{source}: {len(dialogues)} dialogues, valid")
        return
    if not dialogues:
        fail("no dialogues to play")
    summary = run_corpus(dialogues, jobs=jobs, quiet=as_json)
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2) if as_json else render_report(summary))
    if fail_under is not None and summary["task_success"] < fail_under:
        sys.exit(1)


def run_corpus(dialogues: list[Any], *, jobs: int, quiet: bool) -> dict[str, Any]:
    """Load the NLU once, play every dialogue, judge and summarise."""
    from bot.evaluation.judge import judge, summarise
    from bot.evaluation.runner import Player
    from bot.nlu import load_engine

    settings = settings_or_exit()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.CRITICAL)  # the report is the output; engine logs would bury it
    try:
        nlu = load_engine(settings, train_if_missing=True)
    except NLUUnavailable as exc:
        fail(str(exc).splitlines())
    finally:
        root.setLevel(level)
    started = time.monotonic()

    tty = sys.stderr.isatty()

    def progress(done: int, total: int, run: Any) -> None:
        if quiet or not (tty or done % 25 == 0 or done == total):
            return
        line = f"played {done}/{total} ({time.monotonic() - started:.0f} s)"
        click.echo(f"\r{line} {run.dialogue.id[:40]:<40}" if tty else line, nl=not tty or done == total, err=True)

    root.setLevel(logging.CRITICAL)
    try:
        with Player(settings, nlu, jobs=jobs) as player:
            runs = player.play_all(dialogues, progress)
    finally:
        root.setLevel(level)
    return summarise([judge(r) for r in runs], time.monotonic() - started)


def render_report(summary: dict[str, Any]) -> str:
    """The report as text: totals, breakdowns, then every failure with its transcript."""
    lines = [f"task success {summary['task_success']:.1%} ({summary['passed']}/{summary['n']}), "
             f"loops {summary['loops']}, {summary.get('seconds', 0):.0f} s", ""]
    for title, key in (("channel", "per_channel"), ("category", "per_category"), ("scenario", "per_scenario"),
                       ("driver turns", "per_turns"), ("file", "per_file")):
        lines.append(f"{title:<22} {'n':>4} {'success':>8}")
        for name, row in summary[key].items():
            lines.append(f"  {name:<20} {row['n']:>4} {row['task_success']:>8.1%}")
        lines.append("")
    for failure in summary["failures"]:
        lines.append(f"FAIL {failure['id']} ({failure['channel']}, {failure['category']}, {failure['scenario']}) "
                     f"{failure['source']}")
        lines += [f"  - {reason}" for reason in failure["reasons"]]
        for exchange in failure["transcript"]:
            lines.append(f"    driver: {exchange['driver']}")
            lines += [f"    bot:    {text}".replace("\n", "\n            ") for text in exchange["bot"]]
        lines.append("")
    return "\n".join(lines)
