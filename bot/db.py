"""Engine and session handling for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# A pooled server connection idle longer than this is pinged before use (a firewall or the server may have
# dropped it); busy connections are not, which saves a round trip on almost every checkout under load.
PING_IDLE_AFTER = 10.0
POOL_SIZE, POOL_OVERFLOW, POOL_RECYCLE = 10, 20, 1800
# A server that does not answer at all (a dropped route, not a refused port) fails a connect after this long,
# not after the operating system's minutes of retries, so a caller waiting on the line reaches a person.
CONNECT_TIMEOUT_S = 5
# SQLite reports these mistakes in a statement as OperationalError too; they are bugs, not an outage
_SQLITE_MISTAKES = ("no such table", "no such column", "syntax error", "near ", "table ", "index ")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every ChargeLine table (all packages share one metadata; bot.app.tables lists them)."""

    metadata = MetaData(naming_convention=NAMING)


def make_engine(url: str, *, pool: bool = True) -> Engine:
    """Create an engine; on SQLite turn on WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    kwargs: dict[str, object] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        try:
            ensure_database_directory(url)
        except OSError as exc:  # connecting will fail too; the start-up says why, once
            log.debug("cannot create the database directory: %s", exc)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if not pool:
            kwargs["poolclass"] = NullPool
    else:
        if "connect_timeout" not in parsed.query:
            kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
        if not pool:
            kwargs["poolclass"] = NullPool
        else:
            # enough for a web worker's threads without opening and closing overflow connections all the time
            kwargs.update(pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_recycle=POOL_RECYCLE)
    engine = create_engine(url, **kwargs)  # type: ignore[arg-type]
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    elif pool:
        event.listen(engine, "checkin", _note_checkin)
        event.listen(engine, "checkout", _ping_if_idle)
    return engine


def ensure_database_directory(url: str) -> None:
    """Create the folder of a SQLite file if it is missing; raise OSError when that is not allowed."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def database_answers(url: str) -> bool:
    """Whether the database at `url` answers a query now (one short-lived connection)."""
    engine = make_engine(url, pool=False)
    try:
        ensure_database_directory(url)
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except (OSError, SQLAlchemyError):
        return False
    finally:
        engine.dispose()
    return True


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot be reached or used right now (rather than a bug in a query)."""
    if isinstance(exc, DisconnectionError | PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError | InterfaceError):
        return not str(exc.orig).startswith(_SQLITE_MISTAKES)
    return False


def describe_outage(exc: BaseException) -> str:
    """The first line of what the driver said about an outage, for a one-line log (no SQL, no traceback)."""
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return f"{type(cause).__name__}: {lines[0] if lines else 'no detail'}"


def _note_checkin(_dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:  # type: ignore[no-untyped-def]
    """Pessimistic disconnect handling for idle connections only (SQLAlchemy's pre-ping pings every checkout)."""
    idle_since = record.info.get("checked_in_at")
    if idle_since is None or time.monotonic() - idle_since < PING_IDLE_AFTER:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        if not getattr(dbapi_connection, "autocommit", True):
            dbapi_connection.rollback()  # end the transaction the ping opened
    except Exception as exc:
        log.warning("dropping a dead pooled database connection: %s", exc)
        raise DisconnectionError() from exc  # the pool retries with a new connection


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to the engine; objects stay usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def read_sessions(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions on autocommit connections, for reads that need no transaction: no BEGIN and ROLLBACK round trips.

    Each statement sees the latest committed data on its own; never write through them.
    """
    engine = factory.kw["bind"]
    return sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session, commit on success, roll back on error."""
    with factory() as session, session.begin():
        yield session

