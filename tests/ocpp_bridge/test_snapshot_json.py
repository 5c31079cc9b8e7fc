"""The charger snapshot's JSON, pinned byte for byte: `GET /api/chargers/{id}` and what tickets store from it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.conversation.adapters import ClientBridge, RulesAdapter, TicketsAdapter
from bot.conversation.engine import ConversationEngine
from bot.fleet import import_fleet, parse_fleet_file
from bot.messages import InboundMessage
from bot.runtime import Runtime, start_runtime
from bot.web import create_app
from handoff.models import OutboxEvent, Ticket
from handoff.rules import load_rules
from handoff.tickets import ticket_json
from ocpp_bridge.client import BridgeClient
from ocpp_bridge.models import ChargerState, ChargingSession, ConnectorState
from tests.bot.conversation.fakes import FakeKnowledge, FakeNLU, FakePolicy

FLEET = Path(__file__).resolve().parents[1] / "data" / "fleet_small.yml"
T = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

API_BODY = (
    '{"active_transaction":{"connector_id":2,"energy_kwh":0.8,"id":2,"id_tag":"0BAD******","outcome":"act'
    'ive","power_kw":48.213,"reason":null,"started_at":"2026-12-01T08:03:00","stopped_at":null,"transacti'
    'on_id":"42"},"active_transactions":[{"connector_id":2,"energy_kwh":0.8,"id":2,"id_tag":"0BAD******",'
    '"outcome":"active","power_kw":48.213,"reason":null,"started_at":"2026-12-01T08:03:00","stopped_at":n'
    'ull,"transaction_id":"42"}],"boot":{"booted_at":"2026-12-01T08:00:00","firmware_status":"Installed",'
    '"firmware_version":"1.2.3","model":"Fast-150","serial_number":"SN-7","vendor":"ACME"},"charger_statu'
    's":{"error_code":"NoError","info":null,"since":"2026-12-01T08:00:00","status":"Available","vendor_er'
    'ror_code":null},"connectors":[{"error_code":"GroundFailure","id":1,"info":"earth leak","max_kw":150.'
    '0,"since":"2026-12-01T08:02:00","status":"Faulted","type":"CCS2","vendor_error_code":"E17"},{"error_'
    'code":null,"id":2,"info":null,"max_kw":50.0,"since":null,"status":"Unknown","type":"CHAdeMO","vendor'
    '_error_code":null}],"id":"CP-1042","label":"Station 12","last_heartbeat":"2026-12-01T08:05:00","last'
    '_seen":"2026-12-01T08:06:00","offline_reason":null,"offline_since":null,"online":true,"online_since"'
    ':"2026-12-01T08:00:00","protocol":"ocpp1.6","recent_sessions":[{"connector_id":2,"energy_kwh":0.8,"i'
    'd":2,"id_tag":"0BAD******","outcome":"active","power_kw":48.213,"reason":null,"started_at":"2026-12-'
    '01T08:03:00","stopped_at":null,"transaction_id":"42"},{"connector_id":1,"energy_kwh":12.346,"id":1,"'
    'id_tag":"04A2******","outcome":"completed","power_kw":null,"reason":"EVDisconnected","started_at":"2'
    '026-12-01T07:00:00","stopped_at":"2026-12-01T07:40:00","transaction_id":"41"}],"site_id":"berlin-dep'
    'ot","site_type":"fleet_depot"}\n'
)
# what a ticket stores and the helpdesk webhook sends (json.dumps keeps the snapshot's key order)
TICKET_SNAPSHOT = (
    '{"id": "CP-1042", "label": "Station 12", "site_id": "berlin-depot", "site_type": "fleet_depot", "onl'
    'ine": true, "online_since": "2026-12-01T08:00:00", "offline_since": null, "offline_reason": null, "l'
    'ast_heartbeat": "2026-12-01T08:05:00", "last_seen": "2026-12-01T08:06:00", "protocol": "ocpp1.6", "b'
    'oot": {"vendor": "ACME", "model": "Fast-150", "firmware_version": "1.2.3", "serial_number": "SN-7", '
    '"booted_at": "2026-12-01T08:00:00", "firmware_status": "Installed"}, "charger_status": {"status": "A'
    'vailable", "error_code": "NoError", "vendor_error_code": null, "info": null, "since": "2026-12-01T08'
    ':00:00"}, "connectors": [{"id": 1, "type": "CCS2", "max_kw": 150.0, "status": "Faulted", "error_code'
    '": "GroundFailure", "vendor_error_code": "E17", "info": "earth leak", "since": "2026-12-01T08:02:00"'
    '}, {"id": 2, "type": "CHAdeMO", "max_kw": 50.0, "status": "Unknown", "error_code": null, "vendor_err'
    'or_code": null, "info": null, "since": null}], "active_transaction": {"id": 2, "connector_id": 2, "t'
    'ransaction_id": "42", "id_tag": "0BAD******", "outcome": "active", "reason": null, "started_at": "20'
    '26-12-01T08:03:00", "stopped_at": null, "energy_kwh": 0.8, "power_kw": 48.213}, "active_transactions'
    '": [{"id": 2, "connector_id": 2, "transaction_id": "42", "id_tag": "0BAD******", "outcome": "active"'
    ', "reason": null, "started_at": "2026-12-01T08:03:00", "stopped_at": null, "energy_kwh": 0.8, "power'
    '_kw": 48.213}], "recent_sessions": [{"id": 2, "connector_id": 2, "transaction_id": "42", "id_tag": "'
    '0BAD******", "outcome": "active", "reason": null, "started_at": "2026-12-01T08:03:00", "stopped_at":'
    ' null, "energy_kwh": 0.8, "power_kw": 48.213}, {"id": 1, "connector_id": 1, "transaction_id": "41", '
    '"id_tag": "04A2******", "outcome": "completed", "reason": "EVDisconnected", "started_at": "2026-12-0'
    '1T07:00:00", "stopped_at": "2026-12-01T07:40:00", "energy_kwh": 12.346, "power_kw": null}]}'
)


def seed(runtime: Runtime) -> None:
    """CP-1042 booted and online: connector 0 and 1 reported, 2 never; one finished and one running session."""
    with runtime.sessions.begin() as session:
        session.add(ChargerState(charger_id="CP-1042", online=True, online_since=T, last_heartbeat=T + timedelta(minutes=5),
                                 last_seen=T + timedelta(minutes=6), protocol="ocpp1.6", vendor="ACME", model="Fast-150",
                                 firmware_version="1.2.3", serial_number="SN-7", booted_at=T,
                                 firmware_status="Installed"))
        session.add(ConnectorState(charger_id="CP-1042", connector_id=0, status="Available", error_code="NoError",
                                   since=T, updated_at=T))
        session.add(ConnectorState(charger_id="CP-1042", connector_id=1, status="Faulted", error_code="GroundFailure",
                                   vendor_error_code="E17", info="earth leak", since=T + timedelta(minutes=2),
                                   updated_at=T + timedelta(minutes=2)))
        session.add(ChargingSession(charger_id="CP-1042", connector_id=1, transaction_id="41", id_tag_masked="04A2******",
                                    outcome="completed", reason="EVDisconnected", started_at=T - timedelta(hours=1),
                                    stopped_at=T - timedelta(minutes=20), energy_wh=12345.6, power_w=None))
        session.add(ChargingSession(charger_id="CP-1042", connector_id=2, transaction_id="42", id_tag_masked="0BAD******",
                                    outcome="active", started_at=T + timedelta(minutes=3), energy_wh=800.0,
                                    power_w=48213.0))


@pytest.fixture
def sqlite_runtime(tmp_path: Path) -> Iterator[Runtime]:
    """SQLite only: the bytes below include its naive timestamps (PostgreSQL adds +00:00)."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'snap.db'}", data_dir=tmp_path / "data",
                        api_token="test-token", secret_key="s")
    rt = start_runtime(settings, announce=False)
    import_fleet(rt.sessions, parse_fleet_file(FLEET))
    seed(rt)
    yield rt
    rt.close()


def test_the_charger_api_answers_the_same_bytes(sqlite_runtime: Runtime) -> None:
    client = create_app(runtime=sqlite_runtime).test_client()
    response = client.get("/api/chargers/CP-1042", headers={"Authorization": "Bearer test-token"})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == API_BODY


def _tickets_after(runtime: Runtime, *texts: str) -> list[str]:
    """Talk to the real engine (live state read from the database) and return the stored snapshots."""
    rules = load_rules(None)
    bridge = ClientBridge(BridgeClient("http://127.0.0.1:9", "test-token"))  # snapshots only: no command is sent
    engine = ConversationEngine(runtime.sessions, FakeNLU(), bridge, FakeKnowledge(), FakePolicy(),
                                RulesAdapter(rules), TicketsAdapter(rules), clock=lambda: T + timedelta(minutes=10))
    for n, text in enumerate(texts):
        engine.handle(InboundMessage(channel="sms", contact="+4915100000042", text=text, delivery_id=f"d-{n}",
                                     received_at=T + timedelta(minutes=10)))
    with runtime.sessions() as session:
        tickets = session.scalars(select(Ticket)).all()
        bodies = [json.loads(b) for b in session.scalars(select(OutboxEvent.body))]
        stored = [json.dumps(ticket_json(t)["charger_snapshot"]) for t in tickets]
    assert [json.dumps(b["charger_snapshot"]) for b in bodies] == stored
    return stored


def test_a_ticket_stores_and_sends_the_same_snapshot_bytes(sqlite_runtime: Runtime) -> None:
    assert _tickets_after(sqlite_runtime, "CP-1042 won't start", "I want a human") == [TICKET_SNAPSHOT]


def test_a_ticket_without_a_charger_stores_an_empty_snapshot(sqlite_runtime: Runtime) -> None:
    assert _tickets_after(sqlite_runtime, "I want a human") == ["{}"]
