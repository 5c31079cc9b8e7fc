"""`GET /agent/dashboard`: the support metrics as a server-rendered page with inline SVG charts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from markupsafe import Markup

from bot.apitoken import bearer_matches
from bot.clock import utcnow
from bot.fleet.models import SITE_TYPES
from handoff import metrics
from handoff.charts import bar_chart_svg, column_chart_svg
from handoff.names import human, humans
from handoff.report_cli import CHANNELS, duration, when

PERIODS = (1, 7, 30)
ROLES = ("tier1", "tier2", "field", "ops")  # every console role sees the figures


def _percent(rate: dict[str, Any]) -> tuple[str, str]:
    if rate["value"] is None:
        return "–", "nothing counted yet"
    return f"{rate['value'] * 100:.0f}%", f"{rate['numerator']} of {rate['denominator']}"


def tiles(report: dict[str, Any]) -> list[dict[str, str]]:
    """The key figures, formatted for the page."""
    recovery, uptime = report["time_to_remote_recovery"], report["post_intervention_uptime"]
    rows = [{"key": "contacts", "title": "Contacts", "value": str(report["contacts"]), "detail": "conversations"}]
    for key, title, rate in (
            ("fcr", "First-contact resolution", report["first_contact_resolution"]),
            ("deflection", "Deflection (no human)", report["deflection"]),
            ("repeat", "Repeat incident rate", report["repeat_incidents"]["rate"]),
            ("routing", "Escalation accuracy", report["escalation_accuracy"]["overall"])):
        value, detail = _percent(rate)
        rows.append({"key": key, "title": title, "value": value, "detail": detail})
    rows.append({"key": "recovery", "title": "Time to remote recovery", "value": duration(recovery["median_s"]),
                 "detail": f"median; p90 {duration(recovery['p90_s'])}; {recovery['n']} recoveries"})
    if uptime["n"]:
        rows.append({"key": "uptime", "title": "Uptime after interventions",
                     "value": f"{uptime['after'] * 100:.1f}%",
                     "detail": f"{uptime['before'] * 100:.1f}% before; {uptime['n']} interventions"})
    return rows


def charts(report: dict[str, Any]) -> list[Markup]:
    """Inline SVG charts of SLA attainment and contact volume, labelled with human names (escaped text only)."""
    sla = humans("tier", {t: r["value"] for t, r in report["sla_attainment"].items() if r["value"] is not None})
    volume = report["contact_volume"]
    intents, channels = humans("intent", volume["by_intent"]), humans("channel", volume["by_channel"])
    site_types = humans("site_type", volume["by_site_type"])
    svgs = [bar_chart_svg("First response within the SLA, per tier", list(sla), list(sla.values()), percent=True),
            bar_chart_svg("Contacts by problem", list(intents), list(intents.values())),
            bar_chart_svg("Contacts by channel", list(channels), list(channels.values())),
            bar_chart_svg("Contacts by site type", list(site_types), list(site_types.values())),
            column_chart_svg("Contacts by hour of the day (UTC)", list(volume["by_hour"]),
                             list(volume["by_hour"].values()))]
    return [Markup(svg) for svg in svgs]


def _choice(name: str, allowed: tuple[str, ...]) -> str | None:
    value = request.args.get(name) or None
    return value if value in allowed else None


def dashboard():  # type: ignore[no-untyped-def]
    """Show the support metrics for the last 1, 7 or 30 days, optionally for one site type or channel."""
    days = request.args.get("days", "7")
    days_n = int(days) if days.isdigit() and int(days) in PERIODS else 7
    filters = metrics.Filters(_choice("site_type", SITE_TYPES), _choice("channel", CHANNELS))
    now = utcnow()
    with current_app.extensions["chargeline"].sessions() as session:
        report = metrics.compute_all(session, metrics.Window(now - timedelta(days=days_n), now), filters, now=now)
    scope = ", ".join([*([human("site_type", filters.site_type) + " sites"] if filters.site_type else []),
                       *([human("channel", filters.channel)] if filters.channel else [])]) or "all sites, all channels"
    period = f"{when(report['window']['since'])} to {when(report['window']['until'])}"
    return render_template("metrics_dashboard.html", report=report, scope=scope, period=period, days=days_n, filters=filters,
                           site_types=SITE_TYPES, channels=CHANNELS, tiles=tiles(report), charts=charts(report),
                           repeats=[r for r in report["repeat_incidents"]["by_charger"] if r["repeats"]][:10],
                           definitions=metrics.__doc__)


def _guard(view: Callable[..., Any]) -> Callable[..., Any]:
    """A logged-in console agent, or an API client with the operator's bearer token.

    Without either, a browser is sent to the console's login page and anything else gets a 401.
    """

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        from handoff.console.auth import current_agent, login_redirect

        header = request.headers.get("Authorization")
        if header is not None:
            if bearer_matches(header, current_app.extensions["chargeline"].api_token):
                return view(*args, **kwargs)
            return jsonify(error="Unauthorized", detail="the API token is wrong; or log in to the agent console"), 401
        agent = current_agent()
        if agent is not None and agent.role in ROLES:
            return view(*args, **kwargs)
        if "text/html" in request.headers.get("Accept", ""):
            return login_redirect()
        return jsonify(error="Unauthorized", detail="log in to the agent console or send the API token"), 401

    return guarded


def register(app: Flask) -> None:
    """Serve /agent/dashboard."""
    blueprint = Blueprint("metrics_dashboard", __name__, template_folder="templates")
    blueprint.add_url_rule("/agent/dashboard", "dashboard", _guard(dashboard), methods=["GET"])
    app.register_blueprint(blueprint)
    app.jinja_env.filters.setdefault("human", lambda value, kind: human(kind, value))
