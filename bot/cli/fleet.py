"""`chargeline fleet import FILE`."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import fail, settings_or_exit
from bot.errors import FleetFileError
from bot.fleet import import_fleet, parse_fleet_file
from bot.runtime import start_runtime


@click.group("fleet")
def fleet_group() -> None:
    """Manage sites, chargers and id tags."""


@fleet_group.command("import")
@click.argument("path", type=click.Path(path_type=Path))
def import_command(path: Path) -> None:
    """Load or update sites, chargers and id tags from a fleet file (YAML)."""
    settings = settings_or_exit()
    try:
        fleet = parse_fleet_file(path)
    except FleetFileError as exc:
        fail(exc.problems)
    runtime = start_runtime(settings.replace(fleet_file=None))
    try:
        report = import_fleet(runtime.sessions, fleet)
    finally:
        runtime.close()
    click.echo(f"imported {path}: {report}")


def register(group: click.Group) -> None:
    group.add_command(fleet_group)
