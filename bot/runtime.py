"""Start-up shared by every process: database, migrations, fleet, generated secrets."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.appstate import ensure_secret
from bot.config import Settings
from bot.db import describe_outage, ensure_database_directory, is_outage, make_engine, make_session_factory
from bot.errors import ChargeLineError
from bot.fleet import FleetFile, import_fleet, parse_fleet_file
from bot.migrate import pending, upgrade

log = logging.getLogger(__name__)


class DatabaseNotReady(ChargeLineError):
    """The database is behind the code's migrations (production mode)."""


class DatabaseUnavailable(ChargeLineError):
    """The database cannot be reached (or used) right now; try again shortly."""


@dataclass(frozen=True)
class Runtime:
    """What every process shares: settings, the engine and its sessions, secrets."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    api_token: str
    secret_key: str
    ready: bool = True  # False: started during a database outage (`open_runtime`); see `finish_start`

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()


def is_embedded(settings: Settings) -> bool:
    """SQLite means the embedded mode, where start-up applies migrations itself."""
    return make_url(settings.database_url).get_backend_name() == "sqlite"


def start_runtime(settings: Settings, *, announce: bool = True) -> Runtime:
    """Open the database (upgrading it in embedded mode), load the fleet file, resolve secrets."""
    fleet = parse_fleet_file(settings.fleet_file) if settings.fleet_file is not None else None
    engine = make_engine(settings.database_url)
    try:
        return _prepare(settings, engine, make_session_factory(engine), fleet, announce=announce)
    except BaseException:
        engine.dispose()
        raise


def open_runtime(settings: Settings, *, announce: bool = True) -> Runtime:
    """Start like `start_runtime`, but while the database cannot be reached return a runtime that is not ready.

    The web process uses this: it must come up during an outage to send callers to a person, and finishes the
    start with `finish_start` once the database answers. A database that answers but lacks migrations
    (production mode) and a bad fleet file still stop the start.
    """
    fleet = parse_fleet_file(settings.fleet_file) if settings.fleet_file is not None else None
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    try:
        return _prepare(settings, engine, sessions, fleet, announce=announce)
    except (DatabaseUnavailable, SQLAlchemyError) as exc:
        if not isinstance(exc, DatabaseUnavailable) and not is_outage(exc):
            engine.dispose()
            raise
        log.warning("database unreachable at start (%s); serving apologies and the voice fallback until it "
                    "answers, then finishing the start", describe_outage(exc))
    # Secrets kept in the database are unknown until it answers: an unguessable stand-in until then, which no
    # caller can present (every page that needs a secret waits for `finish_start` anyway).
    return Runtime(settings, engine, sessions, settings.api_token or secrets.token_urlsafe(32),
                   settings.secret_key or "", ready=False)


def finish_start(runtime: Runtime, *, announce: bool = True) -> Runtime:
    """The ready runtime for one that `open_runtime` left unready (same engine and sessions); raises while the
    database is still unreachable (DatabaseUnavailable, an outage SQLAlchemyError) or behind (DatabaseNotReady)."""
    if runtime.ready:
        return runtime
    settings = runtime.settings
    fleet = parse_fleet_file(settings.fleet_file) if settings.fleet_file is not None else None
    return _prepare(settings, runtime.engine, runtime.sessions, fleet, announce=announce)


def _prepare(settings: Settings, engine: Engine, sessions: sessionmaker[Session], fleet: FleetFile | None, *,
             announce: bool) -> Runtime:
    try:
        ensure_database_directory(settings.database_url)
    except OSError as exc:
        raise DatabaseUnavailable(f"cannot create the database's folder: {exc}") from exc
    if is_embedded(settings):
        upgrade(engine)
    else:
        missing = pending(engine)
        if missing:
            raise DatabaseNotReady(
                f"the database lacks migrations {', '.join(sorted(missing))}: run `chargeline db upgrade`"
            )
    if fleet is not None:
        import_fleet(sessions, fleet)
    api_token = settings.api_token
    if not api_token:
        api_token, created = ensure_secret(sessions, "api_token")
        if created and announce:
            print(f"Generated CHARGELINE_API_TOKEN (stored in the database): {api_token}", flush=True)
    secret_key = settings.secret_key or ensure_secret(sessions, "secret_key")[0]
    return Runtime(settings, engine, sessions, api_token, secret_key)
