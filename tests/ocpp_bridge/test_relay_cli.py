"""`chargeline bridge --mode relay` as a real process in front of the operator's CSMS."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from ocpp.v16 import call as c16

from tests.ocpp_bridge.chargers import Charger16, connected
from tests.ocpp_bridge.simulator.minicsms import NOW
from tests.ocpp_bridge.test_cli import ROOT, free_port
from tests.ocpp_bridge.upstream import OperatorCSMS

pytestmark = pytest.mark.slow


async def test_the_bridge_command_relays_in_relay_mode(tmp_path: Path, csms: OperatorCSMS) -> None:
    port, control = free_port(), free_port()
    env = {**os.environ, "CHARGELINE_DATABASE_URL": f"sqlite:///{tmp_path / 'cl.db'}", "CHARGELINE_API_TOKEN": "t",
           "CHARGELINE_DATA_DIR": str(tmp_path / "data"), "CHARGELINE_OCPP_PORT": str(port),
           "CHARGELINE_BRIDGE_PORT": str(control), "CHARGELINE_RELAY_UPSTREAM": csms.url}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "bridge", "--mode", "relay"], cwd=ROOT, env=env,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        while not line.startswith("bridge listening"):
            line = proc.stderr.readline()  # type: ignore[union-attr]
            assert line, "the bridge exited before listening"
        assert f"relaying to {csms.url}" in line
        async with connected(Charger16, f"ws://127.0.0.1:{port}/ocpp", "CP-UNLISTED", "ocpp1.6") as cp:
            answer = await cp.call(c16.Heartbeat(), suppress=False)
        assert answer.current_time == NOW  # the operator's CSMS answered, not the bridge
        assert csms.actions("CP-UNLISTED") == ["Heartbeat"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()  # type: ignore[union-attr]
