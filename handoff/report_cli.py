"""`chargeline report`: the support metrics as a text table, a JSON file and PNG charts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from bot.cli.common import fail, settings_or_exit
from bot.clock import as_utc
from bot.fleet.models import SITE_TYPES
from handoff.charts import bar_chart_png, column_chart_png
from handoff.names import human, humans

CHANNELS = ("voice", "sms", "whatsapp", "telegram", "webchat")


def pct(rate: dict[str, Any]) -> str:
    """A rate as "71.0%  (214 / 301)", or "-" when nothing was counted."""
    if rate["value"] is None:
        return "-        (none counted)"
    return f"{rate['value'] * 100:5.1f}%  ({rate['numerator']} / {rate['denominator']})"


def duration(seconds: float | None) -> str:
    """Seconds as "1 min 9 s" (or "-")."""
    if seconds is None:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def when(iso_time: str) -> str:
    """An ISO time from the report as "2026-11-15 23:52 UTC"."""
    return f"{iso_time[:16].replace('T', ' ')} UTC"


def render_text(report: dict[str, Any]) -> str:
    """The report as a readable table for a terminal."""
    window, filters = report["window"], report["filters"]
    scope = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in filters.items() if v) or "all sites, all channels"
    recovery, uptime = report["time_to_remote_recovery"], report["post_intervention_uptime"]
    lines = [f"ChargeLine support report  {when(window['since'])} to {when(window['until'])}  ({scope})", "",
             f"{'Contacts':<30}{report['contacts']}",
             f"{'First-contact resolution':<30}{pct(report['first_contact_resolution'])}",
             f"{'Deflection (no human)':<30}{pct(report['deflection'])}",
             (f"{'Time to remote recovery':<30}median {duration(recovery['median_s'])}, "
             f"p90 {duration(recovery['p90_s'])}  ({recovery['n']} recoveries)"),
             f"{'Repeat incident rate':<30}{pct(report['repeat_incidents']['rate'])}",
             f"{'Escalation accuracy':<30}{pct(report['escalation_accuracy']['overall'])}"]
    if uptime["n"]:
        lines.append(f"{'Post-intervention uptime':<30}{uptime['before'] * 100:.1f}% before -> "
                     f"{uptime['after'] * 100:.1f}% after  ({uptime['n']} interventions, {uptime['days']} days each side)")
    else:
        lines.append(f"{'Post-intervention uptime':<30}-        (no intervention with status history)")
    lines += ["", "SLA attainment per tier"]
    lines += [f"  {tier:<28}{pct(rate)}" for tier, rate in report["sla_attainment"].items()] or ["  (no ticket due)"]
    lines += ["", "Escalation accuracy per tier"]
    lines += [f"  {tier:<28}{pct(rate)}" for tier, rate in report["escalation_accuracy"]["by_tier"].items()] \
        or ["  (no routing verdicts)"]
    volume = report["contact_volume"]
    for title, key in (("intent", "by_intent"), ("channel", "by_channel"), ("site type", "by_site_type")):
        lines += ["", f"Contacts by {title}"] + [f"  {name:<28}{n}" for name, n in volume[key].items()]
    lines += ["", "Contacts by hour (UTC)",
              "  " + " ".join(f"{h:>3}" for h in volume["by_hour"]),
              "  " + " ".join(f"{n:>3}" for n in volume["by_hour"].values())]
    lines += ["", "How conversations ended, by channel (resolved by the bot / ended)"]
    lines += [f"  {channel:<28}{pct(row['bot_resolved'])}   "
              + ", ".join(f"{outcome.replace('_', ' ')} {n}" for outcome, n in row["outcomes"].items())
              for channel, row in report["outcomes_by_channel"].items()] or ["  (no contacts)"]
    top = [r for r in report["repeat_incidents"]["by_charger"] if r["repeats"]][:10]
    if top:
        lines += ["", "Repeat incidents by charger (top 10)", f"  {'charger':<20}{'incidents':>10}{'repeats':>9}"]
        lines += [f"  {r['charger_id']:<20}{r['tickets']:>10}{r['repeats']:>9}" for r in top]
    return "\n".join(lines) + "\n"


def write_outputs(report: dict[str, Any], out: Path) -> list[Path]:
    """Write report.json and the PNG charts of the main figures into `out`; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "report.json"]
    written[0].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    window, filters = report["window"], report["filters"]
    scope = ", ".join([*([human("site_type", filters["site_type"]) + " sites"] if filters.get("site_type") else []),
                       *([human("channel", filters["channel"])] if filters.get("channel") else [])])
    period = f"{when(window['since'])} to {when(window['until'])} · {scope or 'all sites, all channels'}"
    rates = {"First-contact resolution": report["first_contact_resolution"]["value"],
             "Deflection (no human)": report["deflection"]["value"],
             "Escalation accuracy": report["escalation_accuracy"]["overall"]["value"],
             "Repeat incidents": report["repeat_incidents"]["rate"]["value"],
             "Uptime before interventions": report["post_intervention_uptime"]["before"],
             "Uptime after interventions": report["post_intervention_uptime"]["after"]}
    shown = {k: v for k, v in rates.items() if v is not None}
    written.append(bar_chart_png(out / "rates.png", "Support rates", list(shown), list(shown.values()), percent=True,
                                 subtitle=period))
    sla = humans("tier", {tier: rate["value"] for tier, rate in report["sla_attainment"].items()
                          if rate["value"] is not None})
    written.append(bar_chart_png(out / "sla.png", "First response within the SLA, per tier", list(sla),
                                 list(sla.values()), percent=True, subtitle=period))
    volume = report["contact_volume"]
    for key, kind, title in (("by_intent", "intent", "Contacts by problem"),
                             ("by_channel", "channel", "Contacts by channel"),
                             ("by_site_type", "site_type", "Contacts by site type")):
        named = humans(kind, volume[key])
        written.append(bar_chart_png(out / f"contacts_{key[3:]}.png", title, list(named), list(named.values()),
                                     subtitle=period))
    written.append(column_chart_png(out / "contacts_hour.png", "Contacts by hour of the day", list(volume["by_hour"]),
                                    list(volume["by_hour"].values()), subtitle=period,
                                    x_title="hour the conversation started (UTC)"))
    return written


def parse_date(value: str | None, option: str) -> datetime | None:
    """YYYY-MM-DD or an ISO 8601 time (UTC unless it says otherwise)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r} is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)")
    return as_utc(parsed)


@click.command("report")
@click.option("--since", help="Start of the period (YYYY-MM-DD or ISO time, UTC); default: 7 days ago.")
@click.option("--until", help="End of the period (exclusive); default: now.")
@click.option("--site-type", type=click.Choice(SITE_TYPES), help="Only contacts and tickets at this site type.")
@click.option("--channel", type=click.Choice(CHANNELS), help="Only contacts and tickets on this channel.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Also write report.json and PNG charts into this folder.")
def report_command(since: str | None, until: str | None, site_type: str | None, channel: str | None,
                   out: Path | None) -> None:
    """Print the support metrics for a period (and write JSON and charts with --out)."""
    from bot.clock import utcnow
    from bot.errors import ChargeLineError
    from bot.runtime import start_runtime
    from handoff.metrics import Filters, Window, compute_all

    end = parse_date(until, "--until") or utcnow()
    start = parse_date(since, "--since") or end - timedelta(days=7)
    if start >= end:
        fail("--since must be before --until")
    settings = settings_or_exit()
    try:
        runtime = start_runtime(settings, announce=False)
    except ChargeLineError as exc:
        fail(str(exc))
    try:
        with runtime.sessions() as session:
            report = compute_all(session, Window(start, end), Filters(site_type, channel), now=utcnow())
    finally:
        runtime.close()
    click.echo(render_text(report), nl=False)
    if out is not None:
        written = write_outputs(report, out)
        click.echo(f"\nwrote {', '.join(p.name for p in written)} to {out}")


def register(group: click.Group) -> None:
    """Add `report` to the chargeline command."""
    group.add_command(report_command)
