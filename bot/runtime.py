"""Start-up shared by every process: database, migrations, fleet, generated secrets."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.appstate import ensure_secret
from bot.config import Settings
from bot.db import load_all_models, make_engine, make_session_factory
from bot.errors import ChargeLineError
from bot.fleet import import_fleet, parse_fleet_file
from bot.migrate import pending, upgrade

log = logging.getLogger(__name__)


class DatabaseNotReady(ChargeLineError):
    """The database is behind the code's migrations (production mode)."""


@dataclass(frozen=True)
class Runtime:
    """What every process shares: settings, the engine and its sessions, secrets."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    api_token: str
    secret_key: str

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()


def is_embedded(settings: Settings) -> bool:
    """SQLite means the embedded mode, where start-up applies migrations itself."""
    return make_url(settings.database_url).get_backend_name() == "sqlite"


def start_runtime(settings: Settings, *, announce: bool = True) -> Runtime:
    """Open the database (upgrading it in embedded mode), load the fleet file, resolve secrets."""
    load_all_models()
    engine = make_engine(settings.database_url)
    if is_embedded(settings):
        upgrade(engine)
    else:
        missing = pending(engine)
        if missing:
            engine.dispose()
            raise DatabaseNotReady(
                f"the database lacks migrations {', '.join(sorted(missing))}: run `chargeline db upgrade`"
            )
    sessions = make_session_factory(engine)
    if settings.fleet_file is not None:
        import_fleet(sessions, parse_fleet_file(settings.fleet_file))
    api_token = settings.api_token
    if not api_token:
        api_token, created = ensure_secret(sessions, "api_token")
        if created and announce:
            print(f"Generated CHARGELINE_API_TOKEN (stored in the database): {api_token}", flush=True)
    secret_key = settings.secret_key or ensure_secret(sessions, "secret_key")[0]
    return Runtime(settings, engine, sessions, api_token, secret_key)
