"""The tickets and incidents JSON API (bearer token), and the helpdesk delivery thread of the web process."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request

from bot.apitoken import refuse_without_token
from bot.clock import utcnow
from bot.conversation.store import ConversationStore
from bot.db import describe_outage, is_outage, transaction
from bot.runtime import Runtime
from bot.services import services
from handoff.incidents import check_network_incident, incident_json, list_incidents
from handoff.offline import claim_sweep, sweep_offline
from handoff.outbox import OutboxWorker, start_outbox_worker
from handoff.rules import RuleSet
from handoff.tickets import get_ticket, list_tickets, ticket_json

log = logging.getLogger(__name__)

blueprint = Blueprint("handoff_api", __name__)
SWEEP_EVERY = timedelta(minutes=1)


def register(app: Flask) -> None:
    """Add the API with the rules the composition root read; start the background work if configured."""
    runtime: Runtime = app.extensions["chargeline"]
    rules: RuleSet = services(app).rules
    app.register_blueprint(blueprint)
    # Tests build many apps; a thread per app would outlive its database, so only a configured export starts it
    # here. `chargeline web` can call start_background itself to sweep offline chargers without a helpdesk.
    if runtime.settings.helpdesk_webhook_url:
        app.extensions["chargeline.outbox"] = start_background(runtime, rules)


def start_background(runtime: Runtime, rules: RuleSet, *, interval: float = 5.0,
                     ready: Callable[[], bool] | None = None) -> OutboxWorker:
    """Start the web process's thread: helpdesk delivery (if configured); offline, outage, idle checks each minute.

    `ready` says whether the start has reached the database (and tries to finish it); the sweep waits for it.
    """
    sweep = _OutageQuiet(lambda: _sweep(runtime, rules), ready or (lambda: True))
    return start_outbox_worker(runtime.sessions, runtime.settings.helpdesk_webhook_url,
                               runtime.settings.helpdesk_webhook_secret, interval=interval, jobs=(sweep,))


class _OutageQuiet:
    """Run a periodic job once the database is ready; while it is down, say so once instead of each pass."""

    def __init__(self, job: Callable[[], None], ready: Callable[[], bool]) -> None:
        self._job, self._ready = job, ready
        self._down = False

    def __call__(self) -> None:
        if not self._ready():
            return
        try:
            self._job()
        except Exception as exc:
            if not is_outage(exc):
                raise
            if not self._down:
                log.warning("periodic sweep paused, the database is unavailable: %s", describe_outage(exc))
            self._down = True
            return
        if self._down:
            log.info("periodic sweep resumed, the database answers again")
        self._down = False


def _sweep(runtime: Runtime, rules: RuleSet) -> None:
    """Once a minute across all processes: offline chargers, a network-wide outage nobody has checked for,
    and conversations left idle past the timeout (closed with their outcome)."""
    now = utcnow()
    if claim_sweep(runtime.sessions, now, SWEEP_EVERY):
        with transaction(runtime.sessions) as session:
            refs = sweep_offline(session, now, rules)
            check_network_incident(session, now, rules)
        if refs:
            log.info("offline sweep raised or escalated %d tickets", len(refs))
        ConversationStore(runtime.sessions).close_idle(now)


def _error(status: int, error: str, detail: str) -> Any:
    return jsonify(error=error, detail=detail), status


blueprint.before_request(refuse_without_token)


@blueprint.get("/api/tickets")
def tickets_index() -> Any:
    """List tickets newest first; ?charger_id=&status=&tier=&limit=&before= (the `next` cursor)."""
    args = request.args
    raw_limit = args.get("limit", "50")
    if not raw_limit.isdigit():
        return _error(400, "Bad Request", "limit must be a whole number")
    limit = int(raw_limit)
    if not 1 <= limit <= 500:
        return _error(400, "Bad Request", "limit must be between 1 and 500")
    runtime: Runtime = current_app.extensions["chargeline"]
    with runtime.sessions() as session:
        try:
            page = list_tickets(session, charger_id=args.get("charger_id") or None,
                                status=args.get("status") or None, tier=args.get("tier") or None,
                                limit=limit + 1, before=args.get("before") or None)
        except ValueError as exc:
            return _error(400, "Bad Request", str(exc))
        tickets = [ticket_json(t) for t in page[:limit]]
    more = len(page) > limit
    return jsonify(tickets=tickets, next=tickets[-1]["id"] if more else None)


@blueprint.get("/api/tickets/<ticket_id>")
def ticket_show(ticket_id: str) -> Any:
    """One ticket as JSON, or a 404."""
    runtime: Runtime = current_app.extensions["chargeline"]
    with runtime.sessions() as session:
        ticket = get_ticket(session, ticket_id)
        if ticket is None:
            return _error(404, "Not Found", f"no ticket {ticket_id}")
        return jsonify(ticket_json(ticket))


@blueprint.get("/api/incidents")
def incidents_index() -> Any:
    """Network-wide incidents, newest first, with their linked tickets; ?status=open|resolved."""
    status = request.args.get("status") or None
    if status not in (None, "open", "resolved"):
        return _error(400, "Bad Request", "status must be open or resolved")
    runtime: Runtime = current_app.extensions["chargeline"]
    with runtime.sessions() as session:
        return jsonify(incidents=[incident_json(session, i) for i in list_incidents(session, status=status)])
