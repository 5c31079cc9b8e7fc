"""The `chargeline` command as an operator runs it: a real process, real files."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARGELINE_", "TWILIO_", "TELEGRAM_"))}
    env["CHARGELINE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cl.db'}"
    env["CHARGELINE_DATA_DIR"] = str(tmp_path / "data")
    env.update(extra)
    return env


def test_every_command_has_help(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bot.cli import _register
    from bot.cli.common import main_group

    top = run(["--help"], clean_env(tmp_path), tmp_path)  # the real entry point once
    assert top.returncode == 0
    commands = [line.split()[0] for line in top.stdout.split("Commands:")[1].splitlines() if line.strip()]
    assert {"db", "fleet", "serve", "web", "bridge", "simulate", "nlu", "chat", "telegram"} <= set(commands)
    _register()
    runner = CliRunner()

    def check(path: list[str]) -> None:
        result = runner.invoke(main_group, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output
        if "Commands:" in result.output:
            for line in result.output.split("Commands:")[1].splitlines():
                if line.strip():
                    check([*path, line.split()[0]])

    for command in commands:
        check([command])


def test_bad_configuration_exits_with_one_line_per_problem(tmp_path: Path) -> None:
    env = clean_env(tmp_path, CHARGELINE_WEB_PORT="http", CHARGELINE_PUBLIC_URL="nope")
    result = run(["db", "upgrade"], env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: CHARGELINE_WEB_PORT: 'http' is not a port number",
        "error: CHARGELINE_PUBLIC_URL: 'nope' is not an http(s) URL",
    ]
    assert "Traceback" not in result.stderr


def test_db_upgrade_then_fleet_import_twice(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    first = run(["db", "upgrade"], env, tmp_path)
    assert first.returncode == 0 and "0001_fleet" in first.stdout
    again = run(["db", "upgrade"], env, tmp_path)
    assert "up to date" in again.stdout
    imported = run(["fleet", "import", str(DATA / "fleet_small.yml")], env, tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "2 chargers created" in imported.stdout
    reimported = run(["fleet", "import", str(DATA / "fleet_small.yml")], env, tmp_path)
    assert "0 chargers created, 2 updated" in reimported.stdout


def test_a_bad_fleet_file_exits_non_zero_naming_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("sites: [{id: s, type: street}]\nchargers:\n  - {id: C1, site: x, connectors: [{id: 1, type: CCS2, max_kw: 5}]}\n")
    result = run(["fleet", "import", str(bad)], clean_env(tmp_path), tmp_path)
    assert result.returncode == 2
    assert f"error: {bad}:3: charger C1: site 'x' is not defined in sites" in result.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, timeout: float = 30) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.slow
def test_serve_answers_health_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = clean_env(tmp_path, CHARGELINE_WEB_PORT=str(port), CHARGELINE_OCPP_PORT=str(_free_port()),
                    CHARGELINE_BRIDGE_PORT=str(_free_port()),
                    CHARGELINE_FLEET_FILE=str(DATA / "fleet_small.yml"))
    env["CHARGELINE_BRIDGE_URL"] = f"http://127.0.0.1:{env['CHARGELINE_BRIDGE_PORT']}"
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        body = _wait_http(f"http://127.0.0.1:{port}/healthz")
        assert b'"status":"ok"' in body
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Generated CHARGELINE_API_TOKEN" in out
    assert "Traceback" not in err
