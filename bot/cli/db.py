"""`chargeline db ...`: schema migrations."""

from __future__ import annotations

import click

from bot.cli.common import settings_or_exit
from bot.db import make_engine
from bot.migrate import upgrade


@click.group("db")
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
def upgrade_command() -> None:
    """Apply every pending migration to CHARGELINE_DATABASE_URL."""
    settings = settings_or_exit()
    engine = make_engine(settings.database_url)
    try:
        applied = upgrade(engine)
    finally:
        engine.dispose()
    click.echo(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else "; up to date"))


def register(group: click.Group) -> None:
    group.add_command(db_group)
