"""`chargeline demo`: the whole system on this machine with a simulated fleet, in two minutes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.cli.common import settings_or_exit
from bot.logs import setup_logging


@click.command("demo")
@click.option("--chargers", type=click.IntRange(1, 500), default=36, show_default=True,
              help="How many simulated chargers (over six sites of three types).")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the demo keeps its database, fleet and logs (default: CHARGELINE_DATA_DIR/demo).")
@click.option("--web-port", type=click.IntRange(1, 65535), default=None, help="Web port (default 8000).")
@click.option("--ocpp-port", type=click.IntRange(1, 65535), default=None, help="OCPP port (default 9000).")
@click.option("--bridge-port", type=click.IntRange(1, 65535), default=None, help="Bridge control port (default 9001).")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the fleet's faults and the history.")
@click.option("--no-history", is_flag=True, help="Do not write the week of past support history.")
@click.option("--connect-timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="How long to wait for the fleet to connect before going on.")
def demo_command(chargers: int, directory: Path | None, web_port: int | None, ocpp_port: int | None,
                 bridge_port: int | None, seed: int, no_history: bool, connect_timeout: float) -> None:
    """Run web, bridge and a simulated fleet with scripted faults; print where to try it."""
    from bot.demo.run import DemoOptions, run_demo

    settings = settings_or_exit(web_port=web_port, ocpp_port=ocpp_port, bridge_port=bridge_port)
    # the demo talks to the operator through its own lines; the children's logs go to files
    setup_logging("WARNING", settings.log_format)
    options = DemoOptions(directory=(directory or Path(settings.data_dir) / "demo").resolve(), chargers=chargers,
                          seed=seed, history=not no_history, connect_timeout=connect_timeout)
    try:
        code = run_demo(settings, options)
    except KeyboardInterrupt:  # Ctrl-C before the processes started
        click.echo("\ndemo stopped")
        code = 0
    sys.exit(code)


def register(group: click.Group) -> None:
    """Add `demo` to the chargeline command."""
    group.add_command(demo_command)
