"""`chargeline bridge` as a real process: prints where it listens, serves chargers, stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from ocpp.v16 import call as c16

from tests.ocpp_bridge.chargers import Charger16, connected

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(env_extra: dict[str, str], tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "CHARGELINE_DATABASE_URL": f"sqlite:///{tmp_path / 'cl.db'}",
           "CHARGELINE_FLEET_FILE": str(ROOT / "tests/data/fleet_small.yml"), "CHARGELINE_API_TOKEN": "t",
           "CHARGELINE_DATA_DIR": str(tmp_path / "data"), **env_extra}
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "bridge"], cwd=ROOT, env=env,
                            stderr=subprocess.PIPE, text=True)


async def test_the_bridge_command_serves_chargers_and_stops_cleanly(tmp_path: Path) -> None:
    port, control = free_port(), free_port()
    proc = start({"CHARGELINE_OCPP_PORT": str(port), "CHARGELINE_BRIDGE_PORT": str(control)}, tmp_path)
    try:
        line = ""
        while not line.startswith("bridge listening"):
            line = proc.stderr.readline()  # type: ignore[union-attr]
            assert line, "the bridge exited before listening"
        assert f"ws://127.0.0.1:{port}/ocpp/{{charge_point_id}}" in line and f":{control}" in line
        async with connected(Charger16, f"ws://127.0.0.1:{port}/ocpp", "CP-2001", "ocpp1.6") as cp:
            assert (await cp.call(c16.Heartbeat(), suppress=False)).current_time
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()  # type: ignore[union-attr]


def test_a_bad_policy_file_fails_at_start_naming_the_line(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("actions:\n  Reset:\n    when_any: [moon_is_full]\n")
    proc = start({"CHARGELINE_POLICY_FILE": str(policy), "CHARGELINE_OCPP_PORT": str(free_port()),
                  "CHARGELINE_BRIDGE_PORT": str(free_port())}, tmp_path)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert f"{policy}:3: Reset: unknown condition 'moon_is_full'" in err
