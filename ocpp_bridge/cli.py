"""`chargeline bridge`: run one bridge node until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import signal

import click

from bot.cli.common import fail, settings_or_exit
from bot.errors import ChargeLineError, ConfigError, FleetFileError


@click.command("bridge")
@click.option("--host", default=None, help="Address chargers connect to (default CHARGELINE_OCPP_HOST).")
@click.option("--port", type=int, default=None, help="OCPP websocket port (default CHARGELINE_OCPP_PORT).")
@click.option("--control-port", type=int, default=None, help="Control API port on 127.0.0.1 (default CHARGELINE_BRIDGE_PORT).")
@click.option("--node-id", default=None, help="This node's name in a multi-node setup (default: the host name).")
@click.option("--mode", type=click.Choice(["standalone", "relay"]), default=None,
              help="standalone: be the chargers' central system; relay: sit in front of the operator's CSMS "
                   "(CHARGELINE_RELAY_UPSTREAM) and pass every frame on (default CHARGELINE_BRIDGE_MODE).")
def bridge_command(host: str | None, port: int | None, control_port: int | None, node_id: str | None,
                   mode: str | None) -> None:
    """Run the OCPP bridge (central system for the chargers, or a relay in front of theirs; control API)."""
    from bot.runtime import start_runtime
    from ocpp_bridge.policy import load_policy

    settings = settings_or_exit(ocpp_host=host, ocpp_port=port, bridge_port=control_port, bridge_mode=mode)
    try:
        policy = load_policy(settings.policy_file)  # a bad policy file fails before anything starts
        runtime = start_runtime(settings)
    except (ConfigError, FleetFileError) as exc:
        fail(exc.problems)
    except ChargeLineError as exc:
        fail(str(exc))
    try:
        asyncio.run(_serve(runtime, policy, node_id))
    finally:
        runtime.close()


async def _serve(runtime, policy, node_id: str | None) -> None:  # type: ignore[no-untyped-def]
    import socket

    from ocpp_bridge.core import options_from_settings
    from ocpp_bridge.server import Bridge

    settings = runtime.settings
    options = options_from_settings(settings, node_id=node_id or (
        f"{socket.gethostname()}:{settings.ocpp_port}" if settings.redis_url else "local"))
    bridge = Bridge(runtime, settings.ocpp_host, settings.ocpp_port, settings.bridge_port, options=options,
                    policy=policy, redis_url=settings.redis_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await bridge.start()
    relay = bridge.relay_config
    upstream = f"; relaying to {relay.upstream or 'the fleet file upstreams'}" if relay else ""
    click.echo(f"bridge listening for chargers on {bridge.url}/{{charge_point_id}} "
               f"(ocpp1.6, ocpp2.0.1){upstream}; control API on {bridge.control_url}", err=True)
    try:
        await stop.wait()
        click.echo("bridge stopping...", err=True)
    finally:
        await bridge.stop()


def register(group: click.Group) -> None:
    group.add_command(bridge_command)
