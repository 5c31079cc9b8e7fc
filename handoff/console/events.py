"""`GET /agent/events`: server-sent events from the database, so any worker can serve any agent.

Each stream polls the database about once a second: the agent's open tickets (new, changed, gone) and, on a
ticket page, the conversation's new messages, the ticket itself and the charger's live state. State is kept
in the generator, not in the process, so several gunicorn workers serve streams side by side.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from handoff.clock import iso
from handoff.console.auth import AgentIdentity
from handoff.console.queue import messages_after, queue_tickets, row_json
from handoff.console.wording import charger_line, describe_action
from handoff.names import human
from handoff.tickets import get_ticket, ticket_json

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamOptions:
    """Timing of one stream: poll interval, keep-alive interval, longest life (then the browser reconnects)."""

    poll: float = 1.0
    keepalive: float = 15.0
    max_seconds: float = 300.0
    charger_every: int = 3  # polls between charger state reads


def sse(event: str, data: Any, event_id: str | None = None) -> str:
    """One server-sent event."""
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


class _Watch:
    """What one stream has already sent, so each poll sends only what changed."""

    def __init__(self, agent: AgentIdentity, ticket_id: str | None, after_message: int) -> None:
        self.agent, self.ticket_id, self.after_message = agent, ticket_id, after_message
        self.queue: dict[str, str] = {}  # ticket id -> updated_at + status last sent
        self.ticket_seen: str | None = None
        self.charger_seen: str | None = None

    def poll(self, session: Session, with_charger: bool) -> list[str]:
        events = self._queue(session)
        if self.ticket_id is not None:
            events += self._ticket(session, with_charger)
        return events

    def _queue(self, session: Session) -> list[str]:
        events, current = [], {}
        for ticket in queue_tickets(session, self.agent):
            row = row_json(ticket)
            current[row["id"]] = f"{row['updated_at']}|{row['status']}|{row['priority']}|{row['first_response_at']}"
            if self.queue.get(row["id"]) != current[row["id"]]:
                events.append(sse("ticket", row))
        events += [sse("gone", {"id": gone}) for gone in self.queue if gone not in current]
        self.queue = current
        return events

    def _ticket(self, session: Session, with_charger: bool) -> list[str]:
        ticket = get_ticket(session, self.ticket_id or "")
        if ticket is None or not self.agent.may_act_on(ticket.tier):
            return []
        events = []
        data = ticket_json(ticket)
        mark = f"{data['updated_at']}|{data['status']}"
        if mark != self.ticket_seen:
            self.ticket_seen = mark
            detail = {k: data[k] for k in ("id", "status", "priority", "tier", "sla_due", "created_at",
                                           "resolved_at", "resolution_code", "routing_verdict")}
            detail.update(first_response_at=iso(ticket.first_response_at), status_name=human("status", ticket.status),
                          actions=[{**a, "words": describe_action(a)} for a in data["actions"] if isinstance(a, dict)])
            events.append(sse("detail", detail))
        if ticket.conversation_id:
            for line in messages_after(session, ticket.conversation_id, self.after_message):
                self.after_message = line["id"]
                events.append(sse("message", line, f"m{line['id']}"))
        if with_charger and ticket.charger_id:
            from ocpp_bridge.state import load_snapshot

            snapshot = load_snapshot(session, ticket.charger_id)
            live = snapshot.to_json() if snapshot is not None else None
            encoded = json.dumps(live, sort_keys=True)
            if live is not None and encoded != self.charger_seen:
                self.charger_seen = encoded
                events.append(sse("charger", {**live, "line": charger_line(snapshot)}))
        return events


def event_stream(sessions: sessionmaker[Session], agent: AgentIdentity, *, ticket_id: str | None = None,
                 after_message: int = 0, expires_at: float, options: StreamOptions = StreamOptions(),
                 clock: Any = time.monotonic, wall: Any = time.time, sleep: Any = time.sleep) -> Iterator[str]:
    """Yield events until the login expires or `max_seconds` pass; a closed connection ends it at the next yield."""
    watch = _Watch(agent, ticket_id, after_message)
    started = last_sent = clock()
    polls = 0
    yield f"retry: 2000\n: console stream for {agent.name}\n\n"
    try:
        while clock() - started < options.max_seconds and wall() < expires_at:
            try:
                with sessions() as session:
                    events = watch.poll(session, polls % options.charger_every == 0)
            except Exception:  # a database hiccup: log it, tell the page, try again next poll
                log.exception("console stream poll failed agent=%s", agent.name)
                events = [sse("problem", {"detail": "live updates paused; retrying"})]
            polls += 1
            if events:
                yield "".join(events)
                last_sent = clock()
            elif clock() - last_sent >= options.keepalive:
                yield ": keep-alive\n\n"
                last_sent = clock()
            sleep(options.poll)
        if wall() >= expires_at:
            yield sse("expired", {"detail": "your session has expired; log in again"})
    except GeneratorExit:
        log.debug("console stream closed by the client agent=%s", agent.name)
        raise
