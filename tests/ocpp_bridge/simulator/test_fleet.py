"""Scenario files, fleets from fleet files, the thread runner and the `chargeline simulate` command."""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main_group
from ocpp_bridge.simulator import (
    ScenarioError,
    SimulatedFleet,
    load_scenario,
    run_fleet_in_thread,
)
from ocpp_bridge.simulator.cli import register
from tests.ocpp_bridge.simulator.minicsms import MiniCSMS, spec

FLEET = Path(__file__).parents[2] / "data" / "fleet_small.yml"
DEMO = Path(__file__).parents[3] / "ocpp_bridge" / "simulator" / "scenarios" / "demo.yml"


def test_packaged_demo_scenario_is_valid() -> None:
    scenario = load_scenario(DEMO)
    assert scenario.for_charger("CP-1042").name == "faulted_until_reset"
    assert scenario.for_charger("CP-3003")["attempts"] == 3
    assert scenario.for_charger("CP-9999").name == "healthy"


def test_scenario_problems_are_all_listed(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("chargers:\n  CP-1: {behaviour: exploding}\n  CP-2: {behaviour: healthy, colour: red}\n"
                   "  CP-3: {behaviour: stops_midway, after: soon}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(bad)
    problems = caught.value.problems
    assert len(problems) == 3
    assert "CP-1: unknown behaviour 'exploding'" in problems[0]
    assert "unknown parameter 'colour'" in problems[1]
    assert "after must be a number" in problems[2]


def test_unreadable_or_invalid_yaml_scenario_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("chargers: [unclosed\n")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(broken)


async def test_fleet_file_chargers_connect_with_their_passwords_and_mixed_protocols(csms: MiniCSMS) -> None:
    csms.passwords.update({"CP-1042": "s3cret-key-for-cp-1042", "CP-2001": None})
    async with SimulatedFleet(csms.url, FLEET, protocol="mixed") as fleet:
        assert [(cp.id, cp.protocol, cp.connected) for cp in fleet] == [
            ("CP-1042", "1.6", True), ("CP-2001", "2.0.1", True)]
        assert sorted(fleet["CP-1042"].connectors) == [1, 2]
    assert csms.actions("CP-1042")[0] == "BootNotification" and csms.actions("CP-2001")[0] == "BootNotification"


def test_fleet_runs_in_a_thread_for_synchronous_code() -> None:
    central_ready = threading.Event()
    holder: dict[str, object] = {}

    async def serve_csms(stop: asyncio.Event) -> None:
        from websockets.asyncio.server import serve

        central = MiniCSMS(passwords={"CP-5": "pw-123456"})
        async with serve(central.handler, "127.0.0.1", 0, subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                         process_request=central.process_request) as server:
            central.url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/ocpp"
            holder["csms"] = central
            central_ready.set()
            await stop.wait()

    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(target=loop.run_until_complete, args=(serve_csms(stop),))
    thread.start()
    try:
        assert central_ready.wait(10)
        central: MiniCSMS = holder["csms"]  # type: ignore[assignment]
        handle = run_fleet_in_thread(central.url, [spec("CP-5")], {"CP-5": "rfid_rejected"}, protocol="1.6")
        try:
            assert handle["CP-5"].connected
            assert handle.run(handle["CP-5"].present_card()) == "Blocked"
        finally:
            handle.stop()
        assert not handle["CP-5"].connected
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


def test_simulate_command_rejects_a_bad_scenario(tmp_path: Path) -> None:
    register(main_group)
    bad = tmp_path / "bad.yml"
    bad.write_text("CP-1042: exploding\n")
    result = CliRunner().invoke(main_group, ["simulate", "--url", "ws://127.0.0.1:9/ocpp", "--fleet", str(FLEET),
                                             "--scenario", str(bad)])
    assert result.exit_code == 2
    assert "unknown behaviour 'exploding'" in result.output
    assert "Traceback" not in result.output


async def test_simulate_command_connects_the_fleet_until_its_duration_ends(csms: MiniCSMS) -> None:
    csms.passwords.update({"CP-1042": "s3cret-key-for-cp-1042", "CP-2001": None})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "simulate", "--url", csms.url, "--fleet", str(FLEET), "--scenario",
        str(DEMO), "--protocol", "2.0.1", "--duration", "1.5",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, output.decode()
    assert "2 chargers connected" in output.decode()
    faulted = [p for p in csms.payloads("CP-1042", "StatusNotification") if p["connectorStatus"] == "Faulted"]
    assert faulted and faulted[0]["evseId"] == 1
    assert [p["connectorStatus"] for p in csms.payloads("CP-2001", "StatusNotification")] == ["Occupied"]
