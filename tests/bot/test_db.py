"""The connection pool survives the database dropping its connections (a restart, a firewall's idle cut)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

import bot.db
from bot.db import make_engine


def test_a_pooled_connection_the_server_dropped_is_replaced_before_use(database_url: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("sqlite: no server connection to drop")
    engine = make_engine(database_url)
    admin = make_engine(database_url, pool=False)
    try:
        with engine.connect() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with admin.begin() as connection:  # what a server restart does to the pooled connection
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        monkeypatch.setattr(bot.db, "PING_IDLE_AFTER", 0.0)  # the pooled connection counts as idle at once

        with engine.connect() as connection:
            assert connection.execute(text("SELECT 41 + 1")).scalar_one() == 42
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()
        admin.dispose()

