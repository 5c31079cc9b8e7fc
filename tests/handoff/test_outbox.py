"""The helpdesk webhook: signed POSTs, retries while the helpdesk fails, each ticket delivered once after."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from bot.db import transaction
from bot.runtime import Runtime
from handoff.models import DeliveryAttempt, OutboxEvent
from handoff.outbox import deliver_pending, verify
from handoff.tickets import TicketDraft, append_to_ticket, open_ticket
from tests.handoff.conftest import NOW

SECRET = "helpdesk-shared-secret"


class Helpdesk:
    """A helpdesk on 127.0.0.1 whose behaviour the test switches: ok, error (500) or slow (times out)."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.received: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                mode = outer.mode  # as it was when the request came in, whatever the test switches meanwhile
                if mode == "slow":
                    time.sleep(1.0)  # longer than the client's timeout
                if mode == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "/somewhere-else")
                    self.end_headers()
                    return
                if mode != "ok":
                    self.send_response(500)
                    self.end_headers()
                    return
                outer.received.append({"body": body, "headers": dict(self.headers)})
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/chargeline"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Helpdesk:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def helpdesk() -> Iterator[Helpdesk]:
    with Helpdesk() as desk:
        yield desk


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def open_tickets(runtime: Runtime, n: int) -> list[str]:
    ids = []
    with transaction(runtime.sessions) as session:
        for i in range(n):
            ids.append(open_ticket(session, TicketDraft(channel="sms", contact="+491701234789",
                                                        charger_id=f"CP-B{i + 1}", intent="report_damage",
                                                        tier="field_engineering", priority="P3",
                                                        rule="physical_damage", summary=f"damage {i}"),
                                   now=NOW).id)
    return ids


def deliver(runtime: Runtime, url: str, minutes: float) -> tuple[int, int, int]:
    report = deliver_pending(runtime.sessions, url, SECRET, now=NOW + timedelta(minutes=minutes), timeout=0.3)
    return report.delivered, report.failed, report.gave_up


def test_tickets_survive_a_failing_helpdesk_and_arrive_once_each_signed(fleet: Runtime, helpdesk: Helpdesk) -> None:
    ids = open_tickets(fleet, 3)
    helpdesk.mode = "error"
    assert deliver(fleet, helpdesk.url, 0) == (0, 3, 0)
    assert deliver(fleet, helpdesk.url, 0.2) == (0, 0, 0)  # backing off, nothing is due yet
    helpdesk.mode = "slow"
    # an unreachable helpdesk ends the pass: one timeout per pass, not one per waiting ticket
    assert [deliver(fleet, helpdesk.url, 1 + pass_ / 10) for pass_ in range(3)] == [(0, 1, 0)] * 3
    dead = f"http://127.0.0.1:{unused_port()}/hooks"
    assert [deliver(fleet, dead, 3 + pass_ / 10) for pass_ in range(3)] == [(0, 1, 0)] * 3  # connection refused
    helpdesk.mode = "ok"
    assert deliver(fleet, helpdesk.url, 10) == (3, 0, 0)
    assert deliver(fleet, helpdesk.url, 120) == (0, 0, 0)

    bodies = [json.loads(r["body"]) for r in helpdesk.received]
    assert sorted(b["id"] for b in bodies) == sorted(ids)
    for request in helpdesk.received:
        assert verify(SECRET, request["body"], request["headers"]["X-ChargeLine-Signature"])
        assert not verify("another-secret", request["body"], request["headers"]["X-ChargeLine-Signature"])
        assert request["headers"]["Content-Type"] == "application/json"
        assert request["headers"]["X-ChargeLine-Event"] == "created"
    assert len({r["headers"]["X-ChargeLine-Delivery"] for r in helpdesk.received}) == 3
    assert all("+491701234789" not in r["body"].decode() for r in helpdesk.received)

    with fleet.sessions() as session:
        attempts = session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
        assert len(attempts) == 12
        assert [a.status_code for a in attempts[:3]] == [500, 500, 500]
        assert all("Timeout" in (a.error or "") for a in attempts[3:6])
        assert all("Connection" in (a.error or "") for a in attempts[6:9])
        assert [a.status_code for a in attempts[9:]] == [202, 202, 202]
        events = session.scalars(select(OutboxEvent)).all()
        assert all(e.delivered_at is not None and e.attempts == 4 and e.last_error is None for e in events)


def test_a_change_before_delivery_sends_only_the_newest_state(fleet: Runtime, helpdesk: Helpdesk) -> None:
    [ticket_id] = open_tickets(fleet, 1)
    with transaction(fleet.sessions) as session:
        append_to_ticket(session, ticket_id, note="driver called again", now=NOW)
    assert deliver(fleet, helpdesk.url, 0) == (1, 0, 0)
    [request] = helpdesk.received
    assert json.loads(request["body"])["notes"][0]["text"] == "driver called again"
    with transaction(fleet.sessions) as session:
        append_to_ticket(session, ticket_id, note="resolved on site", now=NOW + timedelta(minutes=5))
    assert deliver(fleet, helpdesk.url, 5) == (1, 0, 0)
    assert helpdesk.received[-1]["headers"]["X-ChargeLine-Event"] == "updated"


def test_delivery_gives_up_only_after_days_and_says_so(fleet: Runtime, helpdesk: Helpdesk) -> None:
    open_tickets(fleet, 1)
    helpdesk.mode = "error"
    assert deliver(fleet, helpdesk.url, 0) == (0, 1, 0)
    assert deliver(fleet, helpdesk.url, 60 * 24 * 2) == (0, 1, 0)  # two days on: still trying
    assert deliver(fleet, helpdesk.url, 60 * 24 * 4) == (0, 1, 1)
    helpdesk.mode = "ok"
    assert deliver(fleet, helpdesk.url, 60 * 24 * 5) == (0, 0, 0)
    with fleet.sessions() as session:
        event = session.scalars(select(OutboxEvent)).one()
        assert event.gave_up_at is not None and event.last_error == "HTTP 500"


def test_the_web_process_delivers_and_sweeps_in_the_background(fleet: Runtime, helpdesk: Helpdesk) -> None:
    from bot.conversation.models import Conversation
    from bot.web import create_app
    from handoff.clock import utcnow
    from ocpp_bridge.models import ChargerState

    with transaction(fleet.sessions) as session:
        session.add(ChargerState(charger_id="CP-M1", online=False, offline_since=utcnow() - timedelta(minutes=45)))
        session.add(Conversation(id="c-idle", channel="sms", contact="+4915100000009", mode="bot", status="open",
                                 started_at=utcnow() - timedelta(minutes=50),
                                 last_activity_at=utcnow() - timedelta(minutes=45), state={}))
    runtime = Runtime(fleet.settings.replace(helpdesk_webhook_url=helpdesk.url, helpdesk_webhook_secret=SECRET),
                      fleet.engine, fleet.sessions, fleet.api_token, fleet.secret_key)
    app = create_app(runtime=runtime)
    worker = app.extensions["chargeline.outbox"]
    try:
        [ticket_id] = open_tickets(fleet, 1)
        worker.wake()
        deadline = time.monotonic() + 10
        while (len(helpdesk.received) < 2 or _status(fleet, "c-idle") == "open") and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert _status(fleet, "c-idle") == "closed"  # the idle text conversation was swept
    bodies = {json.loads(r["body"])["id"]: json.loads(r["body"]) for r in helpdesk.received}
    assert len(helpdesk.received) == 2 and ticket_id in bodies
    [offline] = [b for b in bodies.values() if b["id"] != ticket_id]
    assert (offline["charger_id"], offline["channel"], offline["tier"]) == ("CP-M1", "monitoring", "tier2")
    assert all(verify(SECRET, r["body"], r["headers"]["X-ChargeLine-Signature"]) for r in helpdesk.received)


def _status(runtime: Runtime, conversation_id: str) -> str | None:
    from bot.conversation.models import Conversation

    with runtime.sessions() as session:
        conversation = session.get(Conversation, conversation_id)
        return conversation.status if conversation is not None else None


def test_only_one_process_claims_each_offline_sweep(fleet: Runtime) -> None:
    from handoff.offline import claim_sweep

    every = timedelta(minutes=1)
    assert claim_sweep(fleet.sessions, NOW, every) is True
    assert claim_sweep(fleet.sessions, NOW + timedelta(seconds=30), every) is False
    assert claim_sweep(fleet.sessions, NOW + timedelta(seconds=61), every) is True


def test_a_redirect_is_a_failure_not_a_delivery(fleet: Runtime, helpdesk: Helpdesk) -> None:
    open_tickets(fleet, 1)
    helpdesk.mode = "redirect"
    assert deliver(fleet, helpdesk.url, 0) == (0, 1, 0)
    assert helpdesk.received == []
    helpdesk.mode = "ok"
    assert deliver(fleet, helpdesk.url, 1) == (1, 0, 0)
