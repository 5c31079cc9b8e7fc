"""`chargeline demo` step by step: fleet, database, history, model, processes, banner."""

from __future__ import annotations

import logging
import os
import shlex
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy import func, select

from bot.appstate import get_value, set_value
from bot.config import Settings
from bot.db import transaction
from bot.demo.agent import ensure_demo_agent
from bot.demo.banner import DemoInfo, render_banner
from bot.demo.fleet import DemoCharger, write_fleet
from bot.demo.ports import busy_ports
from bot.demo.processes import Children
from bot.demo.progress import counter, ticking
from bot.demo.qr import qr_ascii, write_qr_png
from bot.demo.stored import stored_secret, write_private
from bot.runtime import Runtime, start_runtime
from bot.signals import stop_like_ctrl_c

log = logging.getLogger(__name__)
DEFAULT_PUBLIC_URL = Settings().public_url
HISTORY_KEY = "demo.history"
TWILIO_TOKEN_FILE = "twilio-auth-token"  # the demo's own, so the local `chargeline chat` can sign webhooks


@dataclass(frozen=True)
class DemoOptions:
    """What the command line chose."""

    directory: Path
    chargers: int = 36
    seed: int = 7
    history: bool = True
    connect_timeout: float = 60.0


def demo_settings(base: Settings, options: DemoOptions, fleet_file: Path) -> Settings:
    """The embedded default under the demo folder: SQLite there, no Redis, the bridge on this machine.

    Without Twilio's own token the demo makes one of its own, so its webhooks can be tried locally.
    """
    public = base.public_url
    if public == DEFAULT_PUBLIC_URL:
        public = f"http://localhost:{base.web_port}"
    token = base.twilio_auth_token or stored_secret(options.directory, TWILIO_TOKEN_FILE, 24)
    return base.replace(database_url=f"sqlite:///{options.directory / 'demo.db'}", redis_url=None,
                        bridge_url=f"http://127.0.0.1:{base.bridge_port}", public_url=public,
                        fleet_file=fleet_file, data_dir=Path(base.data_dir).resolve(), twilio_auth_token=token)


def child_env(settings: Settings) -> dict[str, str]:
    """The environment of every child (and of `chargeline chat` against this demo)."""
    env = dict(os.environ)
    env.update(
        CHARGELINE_DATABASE_URL=settings.database_url, CHARGELINE_REDIS_URL="", CHARGELINE_FLEET_FILE="",
        CHARGELINE_DATA_DIR=str(settings.data_dir), CHARGELINE_WEB_HOST=settings.web_host,
        CHARGELINE_WEB_PORT=str(settings.web_port), CHARGELINE_OCPP_HOST=settings.ocpp_host,
        CHARGELINE_OCPP_PORT=str(settings.ocpp_port), CHARGELINE_BRIDGE_PORT=str(settings.bridge_port),
        CHARGELINE_BRIDGE_URL=settings.bridge_url, CHARGELINE_PUBLIC_URL=settings.public_url,
        TWILIO_AUTH_TOKEN=settings.twilio_auth_token or "")
    return env


def _history(runtime: Runtime, options: DemoOptions) -> None:
    from handoff.history_gen import generate_history

    with runtime.sessions() as session:
        if get_value(session, HISTORY_KEY):
            return
    with ticking("writing a week of support history for the dashboard"), transaction(runtime.sessions) as session:
        # ends two hours ago so none of it counts toward the live rules' short windows
        summary = generate_history(session, now=datetime.now(UTC) - timedelta(hours=2), seed=options.seed,
                                   contacts_per_day=max(8, options.chargers))
        set_value(session, HISTORY_KEY, f"{summary.conversations} conversations, {summary.tickets} tickets")


def _train(settings: Settings) -> None:
    from bot.nlu.store import cached_model, model_path

    label = "loading the language model" if model_path(settings).is_file() else "training the language model"
    with ticking(label):
        cached_model(settings)


def _wait_connected(runtime: Runtime, children: Children, total: int, since: datetime, timeout: float) -> int:
    from ocpp_bridge.models import ChargerState

    deadline, shown = time.monotonic() + timeout, -1
    while True:
        children.check()
        with runtime.sessions() as session:
            online = session.scalar(select(func.count()).select_from(ChargerState).where(
                ChargerState.online.is_(True), ChargerState.online_since >= since)) or 0
        done = online >= total or time.monotonic() > deadline
        if online != shown or done:
            note = "; the rest keep retrying" if done and online < total else ""
            if online != shown or note or sys.stdout.isatty():
                counter(f"{online}/{total} chargers connected{note}", final=done)
            shown = online
        if done:
            return online
        time.sleep(0.5)


def run_demo(base: Settings, options: DemoOptions) -> int:
    """Set everything up, start the processes, print the banner, and run until Ctrl-C; the exit code."""
    options.directory.mkdir(parents=True, exist_ok=True)
    fleet_file, scenario_file, chargers = write_fleet(options.directory, options.chargers, options.seed)
    settings = demo_settings(base, options, fleet_file)
    problems = busy_ports(settings)
    if problems:
        for line in problems:
            click.echo(f"error: {line}", err=True)
        return 2
    click.echo(f"ChargeLine demo in {options.directory} ({len(chargers)} chargers, SQLite, no Redis)")
    stop_like_ctrl_c()  # a service manager or `timeout` (SIGTERM), a closed terminal (SIGHUP)
    runtime = start_runtime(settings, announce=False)
    children = Children(child_env(settings), options.directory / "logs")
    try:
        if options.history:
            _history(runtime, options)
        _train(settings)
        agent_login, agent_note = ensure_demo_agent(runtime, options.directory)
        started = datetime.now(UTC) - timedelta(seconds=2)
        children.start("bridge", ["bridge"])
        children.wait_http(f"{settings.bridge_url}/healthz", 60)
        children.start("web", ["web"])
        children.start("simulator", ["simulate", "--url", f"ws://127.0.0.1:{settings.ocpp_port}/ocpp",
                                     "--fleet", str(fleet_file), "--scenario", str(scenario_file),
                                     "--connect-timeout", str(options.connect_timeout)])
        _wait_connected(runtime, children, len(chargers), started, options.connect_timeout)
        children.wait_http(f"http://127.0.0.1:{settings.web_port}/healthz", 60)
        own_token = base.twilio_auth_token is None
        click.echo(render_banner(_info(settings, runtime, chargers, options, children, agent_login, agent_note,
                                       own_token)))
        while True:
            children.check()
            time.sleep(0.5)
    except KeyboardInterrupt:
        click.echo("\nstopping the demo...")
        return 0
    except Exception as exc:  # a child died or start-up failed: say so in one line, never a traceback
        log.debug("demo failed", exc_info=True)
        click.echo(f"error: {exc}", err=True)
        return 1
    finally:
        children.stop()
        runtime.close()
        click.echo("demo stopped")


def chargeline_command() -> str:
    """How to run `chargeline` from any directory: this interpreter's script by its absolute path."""
    script = Path(sys.executable).parent / "chargeline"
    if script.is_file() and os.access(script, os.X_OK):
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m bot.cli"


def _info(settings: Settings, runtime: Runtime, chargers: list[DemoCharger], options: DemoOptions,
          children: Children, agent_login: tuple[str, str] | None, agent_note: str, own_token: bool) -> DemoInfo:
    faulted = next((c for c in chargers if c.behaviour == "faulted_until_reset"), chargers[0])
    url = f"{settings.public_url}/chat?charger={faulted.id}"
    qr_png = write_qr_png(url, options.directory / f"qr-{faulted.id}.png")
    env: tuple[tuple[str, str], ...] = (("CHARGELINE_DATABASE_URL", settings.database_url), ("CHARGELINE_BRIDGE_URL", settings.bridge_url),
           ("CHARGELINE_DATA_DIR", str(settings.data_dir)), ("CHARGELINE_PUBLIC_URL", settings.public_url))
    if own_token:  # Twilio's real token, when set, stays in the operator's own environment
        env += (("TWILIO_AUTH_TOKEN", settings.twilio_auth_token or ""),)
    env_file = options.directory / "demo.env"
    write_private(env_file, "# `chargeline chat` and `chargeline report` against the running demo\n"
                  + "".join(f"{k}={v}\n" for k, v in env))
    return DemoInfo(public_url=settings.public_url, web_url=f"http://127.0.0.1:{settings.web_port}",
                    chargeline=chargeline_command(), api_token=runtime.api_token, chargers=tuple(chargers),
                    env=env, env_file=env_file, log_dir=children.log_dir, qr_png=qr_png, qr_text=qr_ascii(url),
                    agent_login=agent_login, agent_note=agent_note)
