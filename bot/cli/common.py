"""What every subcommand shares: settings loaded once, errors printed one per line."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from bot.config import Settings, load_settings
from bot.errors import ConfigError
from bot.logs import setup_logging


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main_group() -> None:
    """ChargeLine: the first line of support for an EV charging network."""


def fail(lines: list[str] | str, code: int = 2) -> NoReturn:
    """Print each problem on its own line to stderr and exit."""
    for line in [lines] if isinstance(lines, str) else lines:
        click.echo(f"error: {line}", err=True)
    sys.exit(code)


def settings_or_exit(**overrides: object) -> Settings:
    """Load and validate settings, or print every problem and exit 2."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        fail(exc.problems)
    settings = settings.replace(**{k: v for k, v in overrides.items() if v is not None})
    setup_logging(settings.log_level, settings.log_format)
    return settings
