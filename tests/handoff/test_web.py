"""GET /api/tickets, /api/tickets/<id> and /api/incidents with and without the bearer token."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bot.db import transaction
from bot.runtime import Runtime
from bot.web import create_app
from handoff.incidents import check_network_incident
from handoff.rules import RulesFileError
from handoff.tickets import TicketDraft, open_ticket, resolve_ticket
from tests.handoff.conftest import NOW

AUTH = {"Authorization": "Bearer test-token"}


@pytest.fixture
def client(fleet: Runtime) -> FlaskClient:
    return create_app(runtime=fleet).test_client()


def seed(runtime: Runtime, n: int, **changes: object) -> list[str]:
    with transaction(runtime.sessions) as session:
        return [open_ticket(session, TicketDraft(**{  # type: ignore[arg-type]
            "channel": "telegram", "contact": "123456789", "charger_id": f"CP-B{i + 1}", "intent": "start_failure",
            "tier": "tier2", "priority": "P2", "rule": "repeated_failed_sessions", **changes}),
            now=NOW + timedelta(minutes=i)).id for i in range(n)]


def test_without_the_token_the_api_answers_401_json(client: FlaskClient) -> None:
    for path in ("/api/tickets", "/api/tickets/T-000001", "/api/incidents"):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "test-token"},
                        {"Authorization": "Basic dGVzdC10b2tlbg=="}, {"Authorization": "Bearer tést"}):
            response = client.get(path, headers=headers)
            assert response.status_code == 401, (path, headers)
            assert response.get_json()["error"] == "Unauthorized"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert client.get(path, headers=AUTH).status_code in (200, 404)


def test_tickets_are_listed_newest_first_with_a_cursor(client: FlaskClient, fleet: Runtime) -> None:
    ids = seed(fleet, 5)
    first = client.get("/api/tickets?limit=2", headers=AUTH)
    assert first.status_code == 200
    page = first.get_json()
    assert [t["id"] for t in page["tickets"]] == [ids[4], ids[3]] and page["next"] == ids[3]
    rest = client.get(f"/api/tickets?limit=2&before={page['next']}", headers=AUTH).get_json()
    assert [t["id"] for t in rest["tickets"]] == [ids[2], ids[1]]
    last = client.get(f"/api/tickets?before={rest['next']}", headers=AUTH).get_json()
    assert last == {"tickets": [last["tickets"][0]], "next": None} and last["tickets"][0]["id"] == ids[0]


def test_ticket_filters(client: FlaskClient, fleet: Runtime) -> None:
    ids = seed(fleet, 3)
    seed(fleet, 1, tier="field_engineering", rule="physical_damage", intent="report_damage")
    with transaction(fleet.sessions) as session:
        resolve_ticket(session, ids[0], code="fixed", by="agent:1")
    by_charger = client.get("/api/tickets?charger_id=CP-B2", headers=AUTH).get_json()["tickets"]
    assert [t["id"] for t in by_charger] == [ids[1]]
    resolved = client.get("/api/tickets?status=resolved", headers=AUTH).get_json()["tickets"]
    assert [t["id"] for t in resolved] == [ids[0]]
    field = client.get("/api/tickets?tier=field_engineering&status=open", headers=AUTH).get_json()["tickets"]
    assert [t["rule"] for t in field] == ["physical_damage"]


def test_bad_filters_get_a_400_that_says_why(client: FlaskClient) -> None:
    for query in ("status=closed", "tier=tier3", "limit=0", "limit=abc", "limit=501", "limit=-1", "before=yesterday"):
        response = client.get(f"/api/tickets?{query}", headers=AUTH)
        assert response.status_code == 400, query
        assert response.get_json()["error"] == "Bad Request" and response.get_json()["detail"]


def test_one_ticket_and_unknown_ids(client: FlaskClient, fleet: Runtime) -> None:
    [ticket_id] = seed(fleet, 1)
    response = client.get(f"/api/tickets/{ticket_id}", headers=AUTH)
    assert response.status_code == 200
    data = response.get_json()
    assert (data["id"], data["channel"], data["contact"], data["site_id"]) == (
        ticket_id, "telegram", "12****789", "berlin-depot")
    for unknown in ("T-999999", "nonsense", "T-"):
        missing = client.get(f"/api/tickets/{unknown}", headers=AUTH)
        assert missing.status_code == 404 and missing.get_json()["error"] == "Not Found"


def test_incidents_list_their_tickets(client: FlaskClient, fleet: Runtime) -> None:
    assert client.get("/api/incidents", headers=AUTH).get_json() == {"incidents": []}
    with transaction(fleet.sessions) as session:
        for i, charger in enumerate(["CP-B1", "CP-B2", "CP-B3", "CP-A1", "CP-A2"]):
            open_ticket(session, TicketDraft(channel="sms", contact=f"+4917011122{i}{i}", charger_id=charger,
                                             intent="payment_failed", tier="tier1", priority="P4"), now=NOW)
        check_network_incident(session, NOW)
    [incident] = client.get("/api/incidents", headers=AUTH).get_json()["incidents"]
    assert {k: incident[k] for k in ("kind", "tier", "priority", "status", "opened_at")} == {
        "kind": "network_payment_outage", "tier": "platform_ops", "priority": "P1", "status": "open",
        "opened_at": "2026-11-22T21:00:00Z"}
    assert len(incident["tickets"]) == 5 and incident["summary"]
    assert client.get("/api/incidents?status=resolved", headers=AUTH).get_json() == {"incidents": []}
    assert client.get("/api/incidents?status=maybe", headers=AUTH).status_code == 400


def test_a_bad_rules_file_stops_the_web_app_from_starting(fleet: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "rules.yml"
    path.write_text("rules:\n  - name: a\n    when: {intent: x}\n    tier: nobody\n    priority: P1\n")
    runtime = Runtime(fleet.settings.replace(rules_file=path), fleet.engine, fleet.sessions, fleet.api_token,
                      fleet.secret_key)
    with pytest.raises(RulesFileError, match=r"rules.yml:4: rule a: tier 'nobody'"):
        create_app(runtime=runtime)
