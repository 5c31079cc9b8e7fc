"""Alembic environment: the engine comes from `bot.migrate.alembic_config`.

Applying migrations needs no models; comparing them (tests/bot/test_migrations.py) loads them all first with
`bot.app.tables.load_all_models`.
"""

from alembic import context

from bot.db import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
