"""Alembic migrations, configured in code (no alembic.ini to keep in step)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
# Every package with tables keeps its own versions folder (folders, not imports: the kernel names no
# package above it); all branch from the fleet revision, and `upgrade heads` applies them all.
VERSION_LOCATIONS = [
    ROOT / "bot" / "migrations" / "versions",
    ROOT / "ocpp_bridge" / "migrations",
    ROOT / "handoff" / "migrations",
]


def alembic_config(engine: Engine) -> Config:
    """Build the Alembic config for this engine."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / "bot" / "migrations"))
    config.set_main_option("version_locations", " ".join(str(p) for p in VERSION_LOCATIONS))
    config.set_main_option("path_separator", "space")
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> list[str]:
    """Apply every pending migration; return the revisions applied."""
    config = alembic_config(engine)
    script = ScriptDirectory.from_config(config)
    before = _applied(script, current_heads(engine))
    command.upgrade(config, "heads")
    applied = sorted(_applied(script, current_heads(engine)) - before)
    if applied:
        log.info("database upgraded revisions=%s", ",".join(applied))
    return applied


def _applied(script: ScriptDirectory, heads: set[str]) -> set[str]:
    """Every revision at or below the given heads."""
    if not heads:
        return set()
    return {rev.revision for rev in script.iterate_revisions(tuple(heads), "base")}


def current_heads(engine: Engine) -> set[str]:
    """The revisions the database is at."""
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def pending(engine: Engine) -> set[str]:
    """Revisions in the code that the database has not applied."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    return set(script.get_heads()) - current_heads(engine)
