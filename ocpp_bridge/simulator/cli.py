"""`chargeline simulate`: run simulated OCPP charge points with fault scripts against any CSMS."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections import Counter
from pathlib import Path

import click

from bot.cli.common import fail, settings_or_exit
from bot.errors import FleetFileError
from ocpp_bridge.simulator.fleet import PROTOCOLS, SimulatedFleet
from ocpp_bridge.simulator.scenario import ScenarioError


async def _simulate(fleet: SimulatedFleet, duration: float | None, connect_timeout: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    fleet.start()
    try:
        with contextlib.suppress(asyncio.TimeoutError):
            await fleet.wait_connected(connect_timeout)
        up = [cp for cp in fleet if cp.connected]
        versions = Counter(cp.protocol for cp in up)
        click.echo(f"{len(up)} chargers connected to {fleet.url} of {len(fleet)} "
                   f"({', '.join(f'{n} on OCPP {v}' for v, n in sorted(versions.items())) or 'none yet'})")
        for cp in fleet:
            if cp.behaviour.name != "healthy":
                click.echo(f"  {cp.id}: {cp.behaviour.name}")
        if len(up) < len(fleet):
            click.echo("the others keep retrying; see the log for why")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), duration)
    finally:
        await fleet.close()
    click.echo("simulated chargers disconnected")


def register(group: click.Group) -> None:
    """Add `simulate` to the chargeline command."""

    @group.command("simulate")
    @click.option("--url", required=True, help="the CSMS's websocket root, e.g. ws://127.0.0.1:9000/ocpp")
    @click.option("--fleet", "fleet_file", required=True, type=click.Path(path_type=Path),
                  help="fleet file naming the chargers (ids, passwords, connectors)")
    @click.option("--scenario", type=click.Path(path_type=Path), help="behaviour per charger (YAML)")
    @click.option("--protocol", type=click.Choice(PROTOCOLS), default="mixed", show_default=True,
                  help="OCPP version of every charger, or alternate")
    @click.option("--heartbeat", type=click.FloatRange(min=0), default=None,
                  help="heartbeat interval in seconds (default: what the CSMS says at boot; 0: none)")
    @click.option("--duration", type=click.FloatRange(min=0), default=None,
                  help="stop after this many seconds (default: until Ctrl-C)")
    @click.option("--connect-timeout", type=click.FloatRange(min=0), default=30.0, show_default=True)
    @click.option("--ca-file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
                  help="wss://: CA bundle that signs the CSMS's certificate (default: the system's)")
    @click.option("--cert-dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
                  help="wss://: client certificates {id}.pem with keys {id}.key (security profile 3)")
    def simulate(url: str, fleet_file: Path, scenario: Path | None, protocol: str, heartbeat: float | None,
                 duration: float | None, connect_timeout: float, ca_file: Path | None,
                 cert_dir: Path | None) -> None:
        """Run simulated OCPP 1.6J / 2.0.1 charge points with scripted faults against a CSMS."""
        settings_or_exit()  # logging set up as configured
        if not url.startswith(("ws://", "wss://")):
            fail(f"--url must be a ws:// or wss:// URL, not {url!r}")
        try:
            fleet = SimulatedFleet(url, fleet_file, scenario, protocol=protocol, heartbeat_interval=heartbeat,
                                   ca_file=ca_file, cert_dir=cert_dir)
        except (FleetFileError, ScenarioError) as exc:
            fail(exc.problems)
        if not len(fleet):
            fail(f"{fleet_file}: no chargers to simulate")
        asyncio.run(_simulate(fleet, duration, connect_timeout))
