"""Shared fixtures: a fresh database per test on SQLite and, when reachable, PostgreSQL.

Services are found through environment variables that `.ci/run` sets:
CHARGELINE_TEST_DATABASE_URL (PostgreSQL), CHARGELINE_TEST_REDIS_URL,
CHARGELINE_TEST_BROWSER (a Chromium executable). A test that needs one that
is absent is skipped with a reason starting with the service name;
CHARGELINE_TEST_REQUIRE=postgres,redis,browser turns such skips into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app.tables import load_all_models
from bot.config import Settings
from bot.db import make_engine
from bot.runtime import Runtime, start_runtime

REQUIRED = {s.strip() for s in os.environ.get("CHARGELINE_TEST_REQUIRE", "").split(",") if s.strip()}
SERVICES = ("postgres", "redis", "browser")
_outcomes: Counter[tuple[str, str]] = Counter()


def postgres_url() -> str | None:
    return os.environ.get("CHARGELINE_TEST_DATABASE_URL") or None


def redis_url() -> str | None:
    return os.environ.get("CHARGELINE_TEST_REDIS_URL") or None


def browser_path() -> str | None:
    return os.environ.get("CHARGELINE_TEST_BROWSER") or None


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a SQLite file, or a fresh schema in PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'chargeline.db'}"
        return
    base = postgres_url()
    if not base:
        pytest.skip("postgres: CHARGELINE_TEST_DATABASE_URL is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base, pool=False)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for an isolated ChargeLine on the test database."""
    load_all_models()
    return Settings(database_url=database_url, data_dir=tmp_path / "data", api_token="test-token",
                    secret_key="test-secret-key")


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """A started runtime (migrated database) on the test database."""
    if make_url(settings.database_url).get_backend_name() != "sqlite":
        from bot.migrate import upgrade

        engine = make_engine(settings.database_url)
        upgrade(engine)
        engine.dispose()
    rt = start_runtime(settings, announce=False)
    yield rt
    rt.close()


@pytest.fixture
def redis_url_or_skip() -> str:
    url = redis_url()
    if not url:
        pytest.skip("redis: CHARGELINE_TEST_REDIS_URL is not set")
    return url


@pytest.fixture
def browser_or_skip() -> str:
    path = browser_path()
    if not path:
        pytest.skip("browser: CHARGELINE_TEST_BROWSER is not set")
    return path


def _service_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("database_url") == "postgres":
        return "postgres"
    fixtures = getattr(item, "fixturenames", ())
    if "redis_url_or_skip" in fixtures:
        return "redis"
    if "browser_or_skip" in fixtures:
        return "browser"
    return None


def _database_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("database_url") if callspec is not None else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" or (report.when == "setup" and report.skipped):
        state = "skipped" if report.skipped else ("passed" if report.passed else "failed")
        database = _database_of(item)
        if database:
            _outcomes[(f"db:{database}", state)] += 1
        service = _service_of(item)
        if service:
            _outcomes[(service, state)] += 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    write = terminalreporter.write_line
    for database in ("sqlite", "postgres"):
        ran = _outcomes[(f"db:{database}", "passed")] + _outcomes[(f"db:{database}", "failed")]
        skipped = _outcomes[(f"db:{database}", "skipped")]
        write(f"database tests on {database}: {ran} ran, {skipped} skipped")
    for service in ("redis", "browser"):
        ran = _outcomes[(service, "passed")] + _outcomes[(service, "failed")]
        write(f"{service} tests: {ran} ran, {_outcomes[(service, 'skipped')]} skipped")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    problems = []
    for service in sorted(REQUIRED):
        skipped = _outcomes[(service, "skipped")]
        ran = _outcomes[(service, "passed")] + _outcomes[(service, "failed")]
        if skipped:
            problems.append(f"{service} is required but {skipped} of its tests were skipped")
        elif not ran:
            problems.append(f"{service} is required but none of its tests ran")
    if problems:
        for line in problems:
            print(f"\nERROR: {line}")
        session.exitstatus = 1


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser(browser_or_skip: str):  # type: ignore[no-untyped-def]
    """A headless Chromium (Debian's) driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=browser_or_skip, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


class LiveServer:
    """A WSGI app served on a free localhost port in a background thread."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        import threading

        from werkzeug.serving import make_server

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server():  # type: ignore[no-untyped-def]
    """Call with a Flask app; returns a LiveServer with `.url`, stopped after the test."""
    servers: list[LiveServer] = []

    def start(app) -> LiveServer:  # type: ignore[no-untyped-def]
        server = LiveServer(app)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def trained_nlu(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The real built-in NLU trained on nlu_data/, once per test session (~20-35 s on 2 cores)."""
    from bot.nlu import load_engine

    base = tmp_path_factory.mktemp("trained-nlu")
    return load_engine(Settings(database_url=f"sqlite:///{base / 'x.db'}", data_dir=base), train_if_missing=True)


@pytest.fixture
def fleet_sqlite_runtime(tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on a SQLite file with the small example fleet (for tests that need one database only)."""
    fleet = Path(__file__).resolve().parent / "data" / "fleet_small.yml"
    rt = start_runtime(Settings(database_url=f"sqlite:///{tmp_path / 'cl.db'}", data_dir=tmp_path / "data",
                                api_token="test-token", secret_key="test-secret-key", fleet_file=fleet),
                       announce=False)
    yield rt
    rt.close()


@pytest.fixture
def twilio_api():  # type: ignore[no-untyped-def]
    """Twilio's REST API as a local HTTP server (outbound messages land in `.messages`)."""
    from tests.support.twilio_rest import TwilioRestServer

    server = TwilioRestServer()
    yield server
    server.stop()


@pytest.fixture
def bot_api():  # type: ignore[no-untyped-def]
    """Telegram's Bot API as a local HTTP server (calls land in `.calls`)."""
    from tests.support.telegram import BotAPIServer

    server = BotAPIServer()
    yield server
    server.stop()
