"""Take over / reply / hand back from a ticket page, through `handoff.takeover.Takeover`."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    jsonify,
    redirect,
    request,
    url_for,
)

from bot.conversation.records import conversation as conversation_record
from bot.outbound import build_outbound
from bot.services import services
from handoff.console.auth import (
    AgentIdentity,
    csrf_problem,
    current_agent,
    error_page,
    login_required,
)
from handoff.console.queue import ConsoleRefusal, ticket_for
from handoff.takeover import Takeover, TakeoverError
from handoff.tickets import append_to_ticket

blueprint = Blueprint("console_chat", __name__)
_KEY = "handoff.console.takeover"


def _takeover() -> Any:
    """The app's Takeover (outbound injected as the `outbound` service in tests)."""
    app = current_app
    if _KEY not in app.extensions:
        runtime = app.extensions["chargeline"]
        outbound = services(app).outbound or build_outbound(runtime.settings, runtime.sessions)
        app.extensions[_KEY] = Takeover(runtime.sessions, outbound)
    return app.extensions[_KEY]


def chat_state(conversation_id: str, agent: AgentIdentity) -> dict[str, Any] | None:
    """Who holds the ticket's conversation, for the buttons the page shows (None: no such conversation)."""
    with current_app.extensions["chargeline"].sessions() as db:
        conversation = conversation_record(db, conversation_id)
        if conversation is None:
            return None
        holder = conversation.holder
        return {"id": conversation.id, "channel": conversation.channel, "mode": conversation.mode,
                "holder": holder, "mine": holder == agent.name, "open": conversation.status == "open",
                "available": _takeover() is not None}


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _answer(ticket_id: str, ok: bool, detail: str, status: int = 200) -> Any:
    if _wants_json():
        return jsonify(ok=ok, detail=detail), status
    if status >= 400:
        return error_page(status, "Chat action refused", detail)
    flash(detail, "ok" if ok else "problem")
    return redirect(url_for("console.ticket", ticket_id=ticket_id))


def _act(ticket_id: str, verb: str) -> Any:
    agent = current_agent()
    assert agent is not None
    takeover = _takeover()
    if takeover is None:
        return _answer(ticket_id, False, "Chat takeover is not available in this installation.", 503)
    runtime = current_app.extensions["chargeline"]
    with runtime.sessions() as db:
        try:
            ticket = ticket_for(db, agent, ticket_id)
        except ConsoleRefusal as exc:
            return _answer(ticket_id, False, exc.detail, exc.status)
        conversation_id, ref, status = ticket.conversation_id, ticket.ref, ticket.status
    if not conversation_id:
        return _answer(ref, False, f"Ticket {ref} has no chat to take over (the driver called or was imported).",
                       409)
    try:
        if verb == "take_over":
            delivery = takeover.take_over(conversation_id, agent.name)
        elif verb == "reply":
            delivery = takeover.reply(conversation_id, agent.name, request.form.get("text", ""))
        else:
            delivery = takeover.hand_back(conversation_id, agent.name)
    except TakeoverError as exc:
        return _answer(ref, False, exc.detail, exc.status)
    if verb != "reply":
        _note(ref, agent, verb, status)
    detail = {"take_over": "You have the chat.", "reply": "Sent.", "hand_back": "Handed back to the bot."}[verb]
    return _answer(ref, delivery.ok, detail if delivery.ok else f"Stored, but not delivered: {delivery.detail}")


def _note(ref: str, agent: AgentIdentity, verb: str, status: str) -> None:
    """Record the takeover on the ticket; taking over puts an open ticket in progress."""
    runtime = current_app.extensions["chargeline"]
    with runtime.sessions() as db, db.begin():
        text = f"{agent.name} took over the chat" if verb == "take_over" else f"{agent.name} handed the chat back"
        ticket = append_to_ticket(db, ref, note=text)
        if verb == "take_over" and status == "open":
            ticket.status = "in_progress"


@blueprint.before_request
def _check_csrf() -> Any:
    """Every chat action carries the session's CSRF token, like the console's forms."""
    problem = csrf_problem()
    if problem is None:
        return None
    ticket_id = (request.view_args or {}).get("ticket_id", "")
    return _answer(ticket_id, False, f"{problem[1]} Reload the page and try again.", problem[0])


@blueprint.post("/agent/tickets/<ticket_id>/takeover")
@login_required()
def take_over(ticket_id: str) -> Any:
    """Take the ticket's chat from the bot."""
    return _act(ticket_id, "take_over")


@blueprint.post("/agent/tickets/<ticket_id>/reply")
@login_required()
def reply(ticket_id: str) -> Any:
    """Send the driver a message (fetch asks for JSON; a plain form post comes back to the page)."""
    return _act(ticket_id, "reply")


@blueprint.post("/agent/tickets/<ticket_id>/handback")
@login_required()
def hand_back(ticket_id: str) -> Any:
    """Give the chat back to the bot."""
    return _act(ticket_id, "hand_back")


def register(app: Flask) -> None:
    """Add the chat actions."""
    app.register_blueprint(blueprint)
