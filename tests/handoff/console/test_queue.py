"""The queue and ticket pages: priority order, tiers per role, resolving, and the live event stream."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from flask import Flask

from bot.runtime import Runtime
from handoff.console.events import StreamOptions
from handoff.tickets import get_ticket

from .conftest import logged_in, make_ticket, page_token


def _queue_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-id="(T-\d+)"', html)


def test_the_queue_shows_the_agents_tier_most_urgent_first(app: Flask, agents: Runtime) -> None:
    p3 = make_ticket(agents, charger_id="CP-B1", priority="P3")
    p1 = make_ticket(agents, charger_id="CP-B2", priority="P1")
    p2 = make_ticket(agents, charger_id="CP-B3", priority="P2")
    tier2 = make_ticket(agents, charger_id="CP-B4", tier="tier2", priority="P1")
    field = make_ticket(agents, charger_id="CP-B5", tier="field_engineering", priority="P1")
    assert _queue_ids(logged_in(app, "tina").get("/agent").text) == [p1, p2, p3]
    assert _queue_ids(logged_in(app, "theo").get("/agent").text) == [tier2]
    assert _queue_ids(logged_in(app, "fred").get("/agent").text) == [field]
    assert _queue_ids(logged_in(app, "olga").get("/agent").text) == [p1, tier2, field, p2, p3]


def test_the_ticket_page_shows_summary_next_step_and_resolve_form(app: Flask, agents: Runtime) -> None:
    ticket = make_ticket(agents, summary="Card reader ignores RFID at CP-B1.")
    page = logged_in(app, "tina").get(f"/agent/tickets/{ticket}")
    assert page.status_code == 200
    assert "Card reader ignores RFID at CP-B1." in page.text
    assert "Check the RFID reader." in page.text
    assert 'name="resolution_code"' in page.text
    assert "Remote commands" not in page.text  # tier1 sends no commands


def test_another_tiers_ticket_is_forbidden_and_an_unknown_one_not_found(app: Flask, agents: Runtime) -> None:
    ticket = make_ticket(agents, tier="tier2")
    tina = logged_in(app, "tina")
    assert tina.get(f"/agent/tickets/{ticket}").status_code == 403
    response = tina.post(f"/agent/tickets/{ticket}/resolve", data={
        "resolution_code": "fixed_remotely", "routed_right": "yes", "csrf_token": page_token(tina)})
    assert response.status_code == 403
    assert "tier2 ticket" in response.text
    assert tina.post(f"/agent/tickets/{ticket}/takeover", data={"csrf_token": page_token(tina)}).status_code == 403
    assert tina.post(f"/agent/tickets/{ticket}/commands", data={
        "command": "soft_reset", "csrf_token": page_token(tina)}).status_code == 403
    assert tina.get("/agent/tickets/T-999999").status_code == 404
    assert tina.get("/agent/tickets/nonsense").status_code == 404
    with agents.sessions() as session:
        assert get_ticket(session, ticket).status == "open"  # type: ignore[union-attr]


def test_resolving_sets_the_code_and_the_routing_verdict(app: Flask, agents: Runtime) -> None:
    right, wrong = make_ticket(agents, charger_id="CP-B1"), make_ticket(agents, charger_id="CP-B2")
    tina = logged_in(app, "tina")
    token = page_token(tina)
    first = tina.post(f"/agent/tickets/{right}/resolve", data={
        "resolution_code": "driver_guided", "routed_right": "yes", "csrf_token": token})
    second = tina.post(f"/agent/tickets/{wrong}/resolve", data={
        "resolution_code": "fixed_on_site", "routed_right": "no", "csrf_token": token})
    assert first.status_code == second.status_code == 302
    with agents.sessions() as session:
        a, b = get_ticket(session, right), get_ticket(session, wrong)
        assert a is not None and b is not None
        assert (a.status, a.resolution_code, a.routing_verdict, a.resolved_by) == \
            ("resolved", "driver_guided", "correct", "tina")
        assert (b.status, b.resolution_code, b.routing_verdict) == ("resolved", "fixed_on_site", "wrong")
    assert _queue_ids(tina.get("/agent").text) == []
    again = tina.post(f"/agent/tickets/{right}/resolve", data={
        "resolution_code": "driver_guided", "routed_right": "yes", "csrf_token": token})
    assert again.status_code == 409


def test_resolving_needs_a_known_code_and_a_routing_answer(app: Flask, agents: Runtime) -> None:
    ticket = make_ticket(agents)
    tina = logged_in(app, "tina")
    token = page_token(tina)
    for data in ({"resolution_code": "made_up", "routed_right": "yes"}, {"resolution_code": "duplicate"},
                 {"resolution_code": "duplicate", "routed_right": "maybe"}):
        response = tina.post(f"/agent/tickets/{ticket}/resolve", data={**data, "csrf_token": token})
        assert response.status_code == 400, data
    with agents.sessions() as session:
        assert get_ticket(session, ticket).status == "open"  # type: ignore[union-attr]


def _events(chunks: Iterator[bytes], want: str, limit: int = 200) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    """Read events until one whose data mentions `want` (bounded by the stream's own max_seconds)."""
    seen: list[tuple[str, dict]] = []  # type: ignore[type-arg]
    for _, chunk in zip(range(limit), chunks):
        for block in chunk.decode().split("\n\n"):
            name = re.search(r"^event: (\w+)$", block, re.MULTILINE)
            data = re.search(r"^data: (.*)$", block, re.MULTILINE)
            if name and data:
                seen.append((name.group(1), json.loads(data.group(1))))
        if any(want in json.dumps(d) for _, d in seen):
            return seen
    raise AssertionError(f"no event mentioning {want!r} in {seen}")


def test_the_event_stream_sends_the_queue_then_new_and_resolved_tickets(app: Flask, agents: Runtime) -> None:
    app.config["CONSOLE_STREAM"] = StreamOptions(poll=0.05, keepalive=0.2, max_seconds=20)
    first = make_ticket(agents, charger_id="CP-B1", priority="P2")
    tina = logged_in(app, "tina")
    response = tina.get("/agent/events", buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    chunks = response.response.__iter__()  # type: ignore[attr-defined]
    assert next(chunks).decode().startswith("retry: 2000")
    assert ("ticket", "P2") in [(n, d.get("priority")) for n, d in _events(chunks, first)]
    other_tier = make_ticket(agents, charger_id="CP-B3", tier="tier2", priority="P1")
    new = make_ticket(agents, charger_id="CP-B2", priority="P1")
    events = _events(chunks, new)
    assert ("ticket", new) in [(n, d.get("id")) for n, d in events]
    assert other_tier not in json.dumps(events)
    tina.post(f"/agent/tickets/{first}/resolve", data={
        "resolution_code": "duplicate", "routed_right": "yes", "csrf_token": page_token(tina)})
    assert ("gone", {"id": first}) in _events(chunks, first)
    response.close()


def test_the_event_stream_needs_a_login(app: Flask) -> None:
    response = app.test_client().get("/agent/events")
    assert response.status_code == 302


def test_a_stream_sends_keep_alives_and_ends_when_the_login_expires(agents: Runtime) -> None:
    from handoff.console.auth import AgentIdentity
    from handoff.console.events import event_stream

    now = {"t": 0.0}  # a fake clock: the stream's sleeps move it, so nothing waits

    def sleep(seconds: float) -> None:
        now["t"] += seconds

    stream = event_stream(agents.sessions, AgentIdentity(1, "tina", "tier1"), expires_at=5.0,
                          options=StreamOptions(poll=1.0, keepalive=2.0, max_seconds=60),
                          clock=lambda: now["t"], wall=lambda: now["t"], sleep=sleep)
    chunks = list(stream)
    assert chunks[0].startswith("retry: 2000")
    assert chunks.count(": keep-alive\n\n") == 2
    assert chunks[-1].startswith("event: expired")


def test_a_ticket_without_charger_or_chat_still_has_a_page(app: Flask, agents: Runtime) -> None:
    from handoff.clock import utcnow
    from handoff.tickets import TicketDraft, open_ticket

    with agents.sessions() as session, session.begin():
        ref = open_ticket(session, TicketDraft(channel="voice", contact="+4915100000001", tier="tier1",
                                               summary="Caller hung up before naming a charger.",
                                               transcript=[{"from": "driver", "text": "hello?", "at": None}]),
                          now=utcnow()).id
    page = logged_in(app, "tina").get(f"/agent/tickets/{ref}")
    assert page.status_code == 200
    assert "Caller hung up before naming a charger." in page.text and "hello?" in page.text
    assert "no charger state" in page.text and "Take over the chat" not in page.text
