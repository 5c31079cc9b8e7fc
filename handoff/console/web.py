"""`/agent`: login, the live queue, ticket pages and their actions (server-rendered, a little JavaScript)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from bot.runtime import Runtime
from handoff.clock import iso
from handoff.console import takeover_web
from handoff.console.auth import (
    SESSION_LIFETIME,
    attempt_login,
    csrf_problem,
    csrf_token,
    current_agent,
    error_page,
    lifetime,
    log_in,
    log_out,
    login_required,
    safe_next,
)
from handoff.console.commands import COMMANDS, run_command
from handoff.console.events import StreamOptions, event_stream
from handoff.console.models import COMMAND_ROLES
from handoff.console.queue import (
    RESOLUTION_CODES,
    ConsoleRefusal,
    queue_tickets,
    row_json,
    ticket_facts,
    ticket_for,
    transcript,
)
from handoff.models import OPEN_STATUSES
from handoff.names import human
from handoff.tickets import append_to_ticket, resolve_ticket, ticket_json

blueprint = Blueprint("console", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/agent/static")


def _runtime() -> Runtime:
    return current_app.extensions["chargeline"]  # type: ignore[no-any-return]


@blueprint.before_request
def _check_csrf() -> Any:
    """Every console POST carries the session's CSRF token (form field or X-CSRF-Token header)."""
    if request.method == "POST":
        problem = csrf_problem()
        if problem is not None:
            return error_page(problem[0], "Request refused", f"{problem[1]} Reload the page and try again.")
    return None


@blueprint.app_context_processor
def _template_globals() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "console_agent": lambda: g.get("console_agent")}


@blueprint.app_template_filter("human")
def _human(value: object, kind: str) -> str:
    """An id as people read it: {{ t.tier|human("tier") }} -> "Field engineering"."""
    return human(kind, value)


@blueprint.app_template_filter("console_when")
def _when(value: object) -> str:
    """An ISO time as "2026-11-15 23:52 UTC" (a dash when there is none)."""
    return f"{str(value)[:16].replace('T', ' ')} UTC" if value else "–"


@blueprint.route("/agent/login", methods=["GET", "POST"])
def login() -> Any:
    """Show the login form; check a name and password and start a session."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_agent() is not None:
            return redirect(next_url)
        notice = "Your session has expired; please log in again." if request.args.get("expired") else None
        return render_template("console/login.html", next=next_url, notice=notice, name="")
    name, password = request.form.get("name", ""), request.form.get("password", "")
    result = attempt_login(name, password)
    if result.locked:  # the same words for a name and an address, a real name and an unknown one
        return render_template("console/login.html", next=next_url, name=name[:64],
                               notice="Too many wrong passwords; wait a few minutes, then try again."), 429
    if result.agent is None:
        return render_template("console/login.html", next=next_url, name=name[:64],
                               notice="Wrong name or password (or the account is disabled)."), 401
    log_in(result.agent)
    return redirect(next_url)


@blueprint.post("/agent/logout")
def logout() -> Any:
    """End the session."""
    log_out()
    return redirect(url_for("console.login"))


@blueprint.get("/agent")
@login_required()
def queue() -> Any:
    """The agent's open tickets, most urgent first, with SLA countdowns; kept live by /agent/events."""
    agent = current_agent()
    assert agent is not None
    with _runtime().sessions() as db:
        rows = [row_json(t) for t in queue_tickets(db, agent)]
    return render_template("console/queue.html", rows=rows, agent=agent)


@blueprint.get("/agent/events")
@login_required()
def events() -> Any:
    """Server-sent events: queue changes, and with ?ticket=T-… that ticket's messages and charger state."""
    agent = current_agent()
    assert agent is not None
    ticket_id = request.args.get("ticket") or None
    last = request.headers.get("Last-Event-ID", "").removeprefix("m")
    after = request.args.get("after", "0")
    after_id = max(int(v) for v in (after, last) if v.isdigit()) if any(v.isdigit() for v in (after, last)) else 0
    expires_at = session["agent"]["at"] + lifetime().total_seconds()
    options = current_app.config.get("CONSOLE_STREAM", StreamOptions())
    stream = event_stream(_runtime().sessions, agent, ticket_id=ticket_id, after_message=after_id,
                          expires_at=expires_at, options=options)
    return Response(stream, mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@blueprint.get("/agent/tickets/<ticket_id>")
@login_required()
def ticket(ticket_id: str) -> Any:
    """One ticket: summary, charger, actions, live transcript, suggested next step, and what the agent can do."""
    agent = current_agent()
    assert agent is not None
    with _runtime().sessions() as db:
        try:
            found = ticket_for(db, agent, ticket_id)
        except ConsoleRefusal as exc:
            return error_page(exc.status, "Ticket not available", exc.detail)
        data, lines = ticket_json(found), transcript(db, found)
        snapshot = None
        if found.charger_id:
            from ocpp_bridge.state import load_snapshot

            snapshot = load_snapshot(db, found.charger_id)
        live = snapshot.to_json() if snapshot is not None else None  # the page reads the API's JSON
        facts = ticket_facts(found, snapshot)
    chat = takeover_web.chat_state(found.conversation_id, agent) if found.conversation_id else None
    commands = list(COMMANDS.values()) if agent.role in COMMAND_ROLES and found.charger_id else []
    return render_template("console/ticket.html", t=data, facts=facts, lines=lines, live=live, agent=agent,
                           chat=chat, commands=commands, codes=RESOLUTION_CODES, open=found.status in OPEN_STATUSES,
                           after=max((line["id"] or 0 for line in lines), default=0))


@blueprint.post("/agent/tickets/<ticket_id>/resolve")
@login_required()
def resolve(ticket_id: str) -> Any:
    """Close the ticket with a resolution code and whether it was routed to the right tier."""
    agent = current_agent()
    assert agent is not None
    code, routed = request.form.get("resolution_code", ""), request.form.get("routed_right", "")
    if code not in RESOLUTION_CODES or routed not in ("yes", "no"):
        return error_page(400, "Cannot resolve", "Pick a resolution code and answer whether the ticket "
                                                 "was routed to the right tier.")
    with _runtime().sessions() as db, db.begin():
        try:
            found = ticket_for(db, agent, ticket_id)
        except ConsoleRefusal as exc:
            return error_page(exc.status, "Ticket not available", exc.detail)
        if found.status not in OPEN_STATUSES:
            return error_page(409, "Already resolved", f"Ticket {found.ref} was resolved by {found.resolved_by} "
                                                       f"at {iso(found.resolved_at)}.")
        resolve_ticket(db, found.id, code=code, by=agent.name, routing_verdict="correct" if routed == "yes"
                       else "wrong")
    flash(f"Resolved {ticket_id} ({code}).")
    return redirect(url_for("console.queue"))


@blueprint.post("/agent/tickets/<ticket_id>/commands")
@login_required(COMMAND_ROLES)
def command(ticket_id: str) -> Any:
    """Send one approved remote command to the ticket's charger; record it on the ticket."""
    agent = current_agent()
    assert agent is not None
    chosen = COMMANDS.get(request.form.get("command", ""))
    if chosen is None:
        return error_page(400, "Unknown command", f"Choose one of: {', '.join(COMMANDS)}.")
    with _runtime().sessions() as db:
        try:
            found = ticket_for(db, agent, ticket_id)
        except ConsoleRefusal as exc:
            return error_page(exc.status, "Ticket not available", exc.detail)
        charger_id, connector_id, ref = found.charger_id, found.connector_id, found.ref
    if charger_id is None:
        return error_page(400, "No charger", f"Ticket {ref} names no charger to send a command to.")
    from ocpp_bridge.web import bridge_client

    outcome = run_command(bridge_client(current_app), chosen, charger_id, connector_id, agent.requested_by)
    with _runtime().sessions() as db, db.begin():
        append_to_ticket(db, ref, actions=[outcome.action], note=f"{agent.name}: {outcome.message}")
    flash(outcome.message, "ok" if outcome.ok else "problem")
    return redirect(url_for("console.ticket", ticket_id=ref))


def register(app: Flask) -> None:
    """Serve the agent console under /agent."""
    app.config.setdefault("CONSOLE_SESSION_LIFETIME", SESSION_LIFETIME)
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["CONSOLE_SESSION_LIFETIME"]
    app.register_blueprint(blueprint)
    takeover_web.register(app)
