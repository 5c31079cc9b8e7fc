"""What the demo prints once everything runs: where to go, how to log in, five things to try."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from bot.demo.fleet import DemoCharger


@dataclass(frozen=True)
class DemoInfo:
    """Everything the banner names."""

    public_url: str
    web_url: str  # where this machine reaches the web process (webhooks posted by `chargeline chat --url`)
    chargeline: str  # the command, runnable from any directory (the virtualenv's script by its absolute path)
    api_token: str
    chargers: tuple[DemoCharger, ...]
    env: tuple[tuple[str, str], ...]  # what `chargeline chat` / `report` need to reach this demo
    env_file: Path
    log_dir: Path
    qr_png: Path | None = None
    qr_text: str = ""
    agent_login: tuple[str, str] | None = None  # (name, password), when the console exists
    agent_note: str = ""


def _pick(chargers: tuple[DemoCharger, ...], behaviour: str) -> DemoCharger:
    healthy = [c for c in chargers if c.behaviour == "healthy"]
    return next((c for c in chargers if c.behaviour == behaviour), healthy[0] if healthy else chargers[0])


def things_to_try(info: DemoInfo) -> list[tuple[str, str]]:
    """Five (what to type, where) pairs, each about a real charger of the generated fleet."""
    chat = f"{info.public_url}/chat?charger="
    faulted = _pick(info.chargers, "faulted_until_reset")
    stuck = _pick(info.chargers, "cable_locked")
    cold = _pick(info.chargers, "low_power")
    healthy = [c for c in info.chargers if c.behaviour == "healthy"]
    smoky = healthy[-1] if healthy else info.chargers[-1]
    # a public site shows the most payment options
    paying = next((c for c in healthy if c.site_type != "fleet_depot"), healthy[0] if healthy else info.chargers[0])
    return [
        (f"{faulted.label} won't start", f"{info.public_url}/chat  (the bot resets it and checks it came back)"),
        (f"My cable is stuck in {stuck.label}", f"{chat}{stuck.id}  (a remote unlock)"),
        (f"Why is {cold.label} charging so slowly?", f"{chat}{cold.id}  (a cold battery, explained)"),
        (f"There's smoke coming out of {smoky.label}", f"{chat}{smoky.id}  (straight to field engineering)"),
        ("How do I pay?", f"{chat}{paying.id}  (the site's payment options)"),
    ]


def render_banner(info: DemoInfo) -> str:
    """The text printed when the demo is up."""
    faulted = _pick(info.chargers, "faulted_until_reset")
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in info.env)
    lines = ["", "ChargeLine demo is running. Ctrl-C stops everything.", "",
             f"  Web chat        {info.public_url}/chat",
             f"  On a charger    {info.public_url}/chat?charger={faulted.id}  ({faulted.label}; QR code below"
             + (f", PNG: {info.qr_png}" if info.qr_png else "") + ")"]
    if info.agent_login:
        name, password = info.agent_login
        lines.append(f"  Agent console   {info.public_url}/agent  (log in as {name} / {password})")
    else:
        lines.append(f"  Agent console   {info.public_url}/agent  ({info.agent_note or 'no demo agent account'})")
    lines += [f"  Dashboard       {info.public_url}/agent/dashboard",
              f"  Metrics         {info.public_url}/metrics",
              f"  API token       {info.api_token}",
              f"                  curl -H 'Authorization: Bearer {info.api_token}' {info.public_url}/api/tickets",
              "", "Five things to try:"]
    for n, (say, where) in enumerate(things_to_try(info), 1):
        lines.append(f"  {n}. \"{say}\"")
        lines.append(f"     at {where}")
    cl = info.chargeline
    lines += ["", ("In the terminal instead (same database and bridge; or `set -a; . "
              f"{info.env_file}; set +a` first and leave out the variables):"),
              f"  {env} {cl} chat --charger {faulted.id}",
              f"  {env} {cl} chat --channel sms --url {info.web_url}  # as a driver texting",
              f"  {env} {cl} chat --channel voice --url {info.web_url}  # as a driver calling",
              f"  {env} {cl} report --out reports",
              ("SMS and phone calls go through the real Twilio webhooks of the running web process, signed with "
               "TWILIO_AUTH_TOKEN (the demo's own unless you set one)."),
              f"Logs: {info.log_dir}"]
    if info.qr_text:
        lines += ["", f"Scan to chat about {faulted.label}:", info.qr_text.rstrip("\n")]
    return "\n".join(lines) + "\n"
