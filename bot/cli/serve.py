"""`chargeline serve` (every process on one machine) and `chargeline web`."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence

import click

from bot.cli.common import fail, settings_or_exit
from bot.errors import ChargeLineError, FleetFileError
from bot.plugins import optional_modules
from bot.runtime import open_runtime
from bot.signals import stop_like_ctrl_c


def serve_processes() -> list[tuple[str, list[str]]]:
    """The processes `serve` supervises: web, and the OCPP bridge once its package exists."""
    processes = [("web", ["web"])]
    if optional_modules(["ocpp_bridge.cli"]):
        processes.insert(0, ("bridge", ["bridge"]))
    return processes


@click.command("web")
@click.option("--host", default=None, help="Address to bind (default CHARGELINE_WEB_HOST).")
@click.option("--port", type=int, default=None, help="Port (default CHARGELINE_WEB_PORT).")
def web_command(host: str | None, port: int | None) -> None:
    """Run the web process alone (webhooks, web chat, agent console, API)."""
    from werkzeug.serving import make_server

    from bot.web import create_app

    settings = settings_or_exit(web_host=host, web_port=port)
    runtime = _runtime_or_exit(settings)  # during a database outage: started, not ready (bot.web.outage)
    app = create_app(runtime=runtime, background=True)
    server = make_server(settings.web_host, settings.web_port, app, threaded=True)
    click.echo(f"web listening on http://{settings.web_host}:{server.server_port}", err=True)
    stop_like_ctrl_c()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        worker = app.extensions.get("chargeline.background")
        if worker is not None:
            worker.stop()
        runtime.close()


def _runtime_or_exit(settings):  # type: ignore[no-untyped-def]
    try:
        return open_runtime(settings)
    except FleetFileError as exc:
        fail(exc.problems)
    except ChargeLineError as exc:
        fail(str(exc))


@click.command("serve")
def serve_command() -> None:
    """Run web and bridge together on this machine (the embedded default)."""
    settings = settings_or_exit()
    _runtime_or_exit(settings).close()  # migrate and import once, before the children start
    sys.exit(supervise(serve_processes()))


def supervise(processes: Sequence[tuple[str, list[str]]]) -> int:
    """Start each `chargeline` subcommand as a child; stop all when one exits or on Ctrl-C, SIGTERM or SIGHUP."""
    children = {name: subprocess.Popen([sys.executable, "-m", "bot.cli", *args]) for name, args in processes}
    stop_like_ctrl_c()
    code = 0
    try:
        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    click.echo(f"{name} exited with code {child.returncode}; stopping the others", err=True)
                    return child.returncode or 1
            time.sleep(0.2)
    except KeyboardInterrupt:
        click.echo("stopping...", err=True)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 10
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
    return code


def register(group: click.Group) -> None:
    group.add_command(web_command)
    group.add_command(serve_command)
