"""`chargeline nlu train | parse | evaluate`."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

from bot.cli.common import fail, settings_or_exit
from bot.errors import NLUUnavailable


def register(group: click.Group) -> None:
    """Add the `nlu` command group."""
    group.add_command(nlu)


@click.group()
def nlu() -> None:
    """Train, try and evaluate the NLU."""


@nlu.command("train")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="training data folder (default: nlu_data/ or CHARGELINE_NLU_DATA)")
@click.option("--force", is_flag=True, help="retrain even if a model for this data is cached")
def train_command(data_dir: Path | None, force: bool) -> None:
    """Train the built-in engine (one model per language folder) from Rasa NLU YAML and cache the models."""
    from bot.nlu.store import cached_models

    settings = settings_or_exit()
    started = time.perf_counter()
    try:
        models = cached_models(settings, data_dir=data_dir, force=force,
                               progress=lambda message: click.echo(f"  {message}", err=True))
    except NLUUnavailable as exc:
        fail(str(exc).splitlines())
    for language, (_, path, trained) in models.items():
        verb = "trained" if trained else "already trained (use --force to retrain)"
        click.echo(f"model {verb}: {path} [{language}] ({path.stat().st_size / 1e6:.1f} MB)")
    click.echo(f"{len(models)} language(s) in {time.perf_counter() - started:.1f} s")


@nlu.command("parse")
@click.argument("text")
@click.option("--language", help="the conversation's language, used when TEXT is too short to tell (e.g. de)")
def parse_command(text: str, language: str | None) -> None:
    """Parse TEXT and print Rasa's /model/parse JSON with the detected language."""
    from bot.nlu import load_engine

    settings = settings_or_exit()
    try:
        engine = load_engine(settings)
    except NLUUnavailable as exc:
        fail(str(exc).splitlines())
    click.echo(json.dumps(engine.parse(text, language).to_dict(), ensure_ascii=False, indent=2))


@nlu.command("evaluate")
@click.option("--data", "data_file", type=click.Path(exists=True, path_type=Path),
              help="a Rasa NLU YAML file (or folder) of labelled examples")
@click.option("--cv", "folds", type=click.IntRange(min=2), help="K-fold cross-validation on the training data")
@click.option("--language", help="the data's language: with --cv the language folder to cross-validate "
                                 "(default: the root's); with --data also scores language detection")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object instead of a table")
def evaluate_command(data_file: Path | None, folds: int | None, language: str | None, as_json: bool) -> None:
    """Score the NLU on a labelled file, or by cross-validation on the training data."""
    from bot.nlu import cross_validate, evaluate, load_data, load_engine
    from bot.nlu.engine import BuiltinEngine
    from bot.nlu.loader import NLUDataError, language_dirs
    from bot.nlu.store import data_dir_for
    from bot.nlu.train import background, config_path, read_config, train_data

    if (data_file is None) == (folds is None):
        fail("give exactly one of --data FILE or --cv K")
    settings = settings_or_exit()
    try:
        if folds is not None:
            folders = language_dirs(data_dir_for(settings))
            lang = language or next(iter(folders))
            if lang not in folders:
                fail(f"no training data for language {lang!r} (have: {', '.join(folders)})")
            config = read_config(config_path(folders[lang]))
            extra = background(folders[lang], config)
            report = cross_validate(load_data(folders[lang]), folds,
                                    lambda d: BuiltinEngine(train_data(d, config, language=lang, background=extra)))
        else:
            assert data_file is not None
            report = evaluate(load_engine(settings), load_data(data_file).examples, language)
    except (NLUDataError, NLUUnavailable) as exc:
        fail(str(exc).splitlines())
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(render_table(report))


def render_table(report: dict[str, Any]) -> str:
    """Format a report for a terminal."""
    lines = [f"{'intent':<22} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>5}"]
    for intent, row in report["per_intent"].items():
        lines.append(f"{intent:<22} {row['precision']:>6.3f} {row['recall']:>6.3f} {row['f1']:>6.3f} "
                     f"{row['support']:>5}")
    lines.append("")
    safety = report.get("safety_hazard_recall")
    lines.append(f"examples {report['n']}  accuracy {report['intent_accuracy']:.3f}  "
                 f"macro-F1 {report['intent_macro_f1']:.3f}  entity F1 {report['entity_f1']:.3f}  "
                 f"safety recall {'-' if safety is None else f'{safety:.3f}'}")
    if report.get("language_accuracy") is not None:
        lines.append(f"language detected {report['language_accuracy']:.3f} of {report['language_n']} messages of "
                     f"3+ words; {report['language_unknown']} unknown")
    worst = sorted(((pred, true, n) for true, row in report["confusion"].items() for pred, n in row.items()
                    if pred != true), key=lambda t: -t[2])[:5]
    if worst:
        lines.append("most confused: " + ", ".join(f"{t}->{p} ({n})" for p, t, n in worst))
    return "\n".join(lines)
