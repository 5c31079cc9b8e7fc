"""Start ChargeLine as deployed (bridge, simulated fleet, web under gunicorn) for a benchmark.

Every process binds to 127.0.0.1 and is stopped when the context exits.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TWILIO_TOKEN = "bench-twilio-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_fleet(path: Path, chargers: int, sites: int = 30) -> list[str]:
    """A fleet of `chargers` over `sites` of three types; returns the charger labels."""
    types = ["fleet_depot", "mixed_use", "highway"]
    site_rows = [{"id": f"site-{s:03d}", "name": f"Site {s}", "type": types[s % 3],
                  "payment_methods": ["rfid", "app", "contactless"]} for s in range(sites)]
    charger_rows = []
    for n in range(chargers):
        charger_rows.append({"id": f"CP-{1000 + n}", "site": f"site-{n % sites:03d}", "label": f"Station {n + 1}",
                             "connectors": [{"id": 1, "type": "CCS2", "max_kw": 150},
                                            {"id": 2, "type": "Type 2", "max_kw": 22}]})
    path.write_text(yaml.safe_dump({"sites": site_rows, "chargers": charger_rows, "unknown_tokens": "accept"}))
    return [c["label"] for c in charger_rows]


def postgres_schema_url(base: str) -> str:
    """A fresh schema in PostgreSQL so runs never see each other's rows; dropped when the run exits."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()

    def drop() -> None:  # a run leaves tens of MB behind otherwise
        dropper = create_engine(base)
        try:
            with dropper.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        except Exception as exc:  # the run's figures are printed already; say what is left behind
            print(f"could not drop schema {schema}: {exc}", file=sys.stderr)
        finally:
            dropper.dispose()

    atexit.register(drop)
    return make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)


def wait_http(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer in {timeout:.0f} s") from None
            time.sleep(0.25)


@dataclass
class System:
    web_url: str | None  # None when started without the web process
    env: dict[str, str]
    labels: list[str]
    workdir: Path


@contextmanager
def running_system(*, chargers: int, database_url: str | None, workers: int = 2, threads: int = 8,
                   model_dir: Path | None = None, log=print,
                   access_log_path: Path | None = None, web: bool = True) -> Iterator[System]:  # type: ignore[no-untyped-def]
    """Bridge + simulator (+ gunicorn web unless `web=False`) on a fresh database; yields where the web listens."""
    workdir = Path(tempfile.mkdtemp(prefix="chargeline-bench-"))
    fleet = workdir / "fleet.yml"
    labels = write_fleet(fleet, chargers)
    web_port, ocpp_port, control_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARGELINE_", "TWILIO_", "TELEGRAM_"))}
    env.update(
        CHARGELINE_DATABASE_URL=database_url or f"sqlite:///{workdir / 'bench.db'}",
        CHARGELINE_DATA_DIR=str(model_dir or workdir / "data"), CHARGELINE_OCPP_PORT=str(ocpp_port),
        CHARGELINE_BRIDGE_PORT=str(control_port), CHARGELINE_BRIDGE_URL=f"http://127.0.0.1:{control_port}",
        CHARGELINE_WEB_PORT=str(web_port), CHARGELINE_PUBLIC_URL=f"http://127.0.0.1:{web_port}",
        CHARGELINE_API_TOKEN="bench-api-token", CHARGELINE_SECRET_KEY="bench-secret",
        TWILIO_AUTH_TOKEN=TWILIO_TOKEN, CHARGELINE_LOG_LEVEL="WARNING",
    )
    cl = str(BIN / "chargeline")
    access_log = ["--access-logfile", str(access_log_path), "--access-logformat", "%(m)s %(U)s %(s)s %(M)sms"] \
        if access_log_path else []
    subprocess.run([cl, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([cl, "fleet", "import", str(fleet)], env=env, check=True, capture_output=True)
    if web:
        log("training or loading the NLU model...")
        subprocess.run([cl, "nlu", "train"], env=env, check=True, capture_output=True)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(subprocess.Popen([cl, "bridge"], env=env, cwd=workdir))
        wait_http(f"http://127.0.0.1:{control_port}/healthz")
        log(f"bridge up; connecting {chargers} simulated chargers...")
        processes.append(subprocess.Popen([cl, "simulate", "--url", f"ws://127.0.0.1:{ocpp_port}/ocpp",
                                           "--fleet", str(fleet), "--heartbeat", "60"], env=env, cwd=workdir,
                                          stdout=subprocess.DEVNULL))
        if web:
            processes.append(subprocess.Popen(
                [str(BIN / "gunicorn"), "-w", str(workers), "-k", "gthread", "--threads", str(threads),
                 "-b", f"127.0.0.1:{web_port}", "--log-level", "warning", *access_log, "bot.web.wsgi:app"],
                env=env, cwd=workdir))
            wait_http(f"http://127.0.0.1:{web_port}/healthz")
        wait_online(env["CHARGELINE_DATABASE_URL"], chargers, log)
        yield System(f"http://127.0.0.1:{web_port}" if web else None, env, labels, workdir)
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_online(database_url: str, chargers: int, log, timeout: float = 180) -> None:  # type: ignore[no-untyped-def]
    """Poll the bridge's state table until every charger is online (or measure anyway after `timeout`)."""
    from sqlalchemy import create_engine, func, select

    from ocpp_bridge.models import ChargerState

    engine = create_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as connection:
                online = connection.scalar(select(func.count()).select_from(ChargerState)
                                           .where(ChargerState.online.is_(True))) or 0
            if online >= chargers:
                log(f"{online} chargers online")
                return
            if time.monotonic() > deadline:
                log(f"only {online} of {chargers} chargers online after {timeout:.0f} s; measuring anyway")
                return
            time.sleep(1)
    finally:
        engine.dispose()
