from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.app.tables import load_all_models
from bot.db import Base, make_engine
from bot.migrate import current_heads, pending, upgrade


def test_migrations_match_the_models(database_url: str) -> None:
    """A model changed without a migration (or the reverse) fails here."""
    load_all_models()
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        assert pending(engine) == set()
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = [d for d in compare_metadata(context, Base.metadata) if not _ignorable(d)]
        assert diff == []
    finally:
        engine.dispose()


def _ignorable(diff: object) -> bool:
    # SQLite reports JSON/DateTime types loosely; only structural differences matter there.
    return isinstance(diff, list) and all(d[0] == "modify_type" for d in diff)


def test_upgrade_is_idempotent(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        first = upgrade(engine)
        second = upgrade(engine)
        assert first != [] and second == []
        assert current_heads(engine) != set()
    finally:
        engine.dispose()
