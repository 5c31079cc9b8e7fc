"""`chargeline serve` (every process on one machine) and `chargeline web`."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Sequence

import click
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.common import fail, settings_or_exit
from bot.db import database_answers, describe_outage
from bot.errors import ChargeLineError, FleetFileError
from bot.runtime import open_runtime, start_runtime
from bot.signals import stop_like_ctrl_c

DATABASE_PROBE_S = 2.0  # how often `serve` asks a database that was down whether it answers again


def serve_processes() -> list[tuple[str, list[str]]]:
    """The processes `serve` supervises: the OCPP bridge and web."""
    return [("bridge", ["bridge"]), ("web", ["web"])]


@click.command("web")
@click.option("--host", default=None, help="Address to bind (default CHARGELINE_WEB_HOST).")
@click.option("--port", type=int, default=None, help="Port (default CHARGELINE_WEB_PORT).")
def web_command(host: str | None, port: int | None) -> None:
    """Run the web process alone (webhooks, web chat, agent console, API)."""
    # the web app imports every channel and page: only this command needs them, not `bridge` or `simulate`
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
        for name in ("chargeline.recovery", "chargeline.background"):
            worker = app.extensions.get(name)
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
    sys.exit(supervise(serve_processes(), database_up=lambda: _start_finished(settings)))


def _start_finished(settings):  # type: ignore[no-untyped-def]
    """Whether the database answers; if so migrate and import here first, so a restarted child finds it ready."""
    if not database_answers(settings.database_url):
        return False
    try:
        start_runtime(settings).close()
    except (ChargeLineError, SQLAlchemyError) as exc:  # e.g. the web process migrating at the same moment
        click.echo(f"the database answers but the start is not finished yet: {describe_outage(exc)}", err=True)
        return False
    return True


def supervise(processes: Sequence[tuple[str, list[str]]], *, database_up: Callable[[], bool] | None = None) -> int:
    """Start each `chargeline` subcommand as a child; stop all when one exits or on Ctrl-C, SIGTERM or SIGHUP.

    A child that exits while `database_up()` says the database is down is started again once it answers; the
    others keep running meanwhile (the web process serves the voice fallback and apologies through an outage).
    """
    commands = dict(processes)
    children = {name: _child(args) for name, args in processes}
    waiting: set[str] = set()  # exited during a database outage: started again when the database answers
    next_probe = 0.0
    stop_like_ctrl_c()
    code = 0
    try:
        while True:
            for name, child in list(children.items()):
                if child.poll() is None:
                    continue
                if database_up is not None and child.returncode != 0 and not database_up():
                    click.echo(f"{name} exited with code {child.returncode} while the database is unavailable; "
                               f"starting it again when the database answers", err=True)
                    waiting.add(name)
                    del children[name]
                    continue
                click.echo(f"{name} exited with code {child.returncode}; stopping the others", err=True)
                return child.returncode or 1
            if waiting and database_up is not None and time.monotonic() >= next_probe:
                next_probe = time.monotonic() + DATABASE_PROBE_S
                if database_up():
                    click.echo(f"the database answers again; starting {', '.join(sorted(waiting))}", err=True)
                    children.update((name, _child(commands[name])) for name in sorted(waiting))
                    waiting.clear()
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


def _child(args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot.cli", *args])


def register(group: click.Group) -> None:
    group.add_command(web_command)
    group.add_command(serve_command)
