"""The web chat adapter: JSON in, the engine's replies out, bad input refused clearly.

The engine here is a small recording stand-in: these tests are about the
adapter's contract; whole conversations run against the real engine elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from flask.testing import FlaskClient

from bot.messages import Choice, InboundMessage, Reply, TurnResult
from bot.runtime import Runtime
from bot.web import create_app


@dataclass
class RecordingEngine:
    seen: list[InboundMessage] = field(default_factory=list)
    fail: bool = False

    def handle(self, message: InboundMessage) -> TurnResult:
        if self.fail:
            raise RuntimeError("database went away")
        duplicate = any(m.delivery_id == message.delivery_id for m in self.seen)
        self.seen.append(message)
        if duplicate:
            return TurnResult(conversation_id="c1", duplicate=True)
        return TurnResult(conversation_id="c1", replies=(
            Reply(text=f"You said: {message.text}", choices=(Choice("Yes", "affirm"),)),))


@pytest.fixture
def engine() -> RecordingEngine:
    return RecordingEngine()


@pytest.fixture
def client(runtime: Runtime, engine: RecordingEngine) -> FlaskClient:
    return create_app(runtime=runtime, engine=engine).test_client()


def test_first_message_starts_a_session_and_the_next_reuses_it(client: FlaskClient, engine: RecordingEngine) -> None:
    first = client.post("/api/chat", json={"text": "it won't start", "charger_id": "CP-1042"})
    assert first.status_code == 200
    body = first.get_json()
    assert body["replies"] == [{"text": "You said: it won't start", "buttons": [{"title": "Yes", "payload": "affirm"}]}]
    session = body["session"]
    second = client.post("/api/chat", json={"session": session, "text": "yes", "button": "affirm"})
    assert second.get_json()["session"] == session
    assert [m.contact for m in engine.seen] == [session, session]
    assert engine.seen[0].charger_hint == "CP-1042" and engine.seen[0].channel == "webchat"
    assert engine.seen[1].button == "affirm"


def test_a_retried_message_is_answered_once(client: FlaskClient) -> None:
    payload = {"text": "hello", "message_id": "m-1"}
    first = client.post("/api/chat", json=payload).get_json()
    again = client.post("/api/chat", json={**payload, "session": first["session"]}).get_json()
    assert again["replies"] == [] and again["duplicate"] is True


@pytest.mark.parametrize("payload, status, detail", [
    ({"text": ""}, 400, "text is empty"),
    ({"text": "x" * 2001}, 413, "text is longer than 2000 characters"),
    ({"text": 42}, 400, "text and button must be strings"),
    ({"text": "hi", "session": "../../etc"}, 400, "session is not a session id this server gave out"),
    ({"text": "hi", "charger_id": "<script>"}, 400, "charger_id is not a charger id"),
    (["not", "an", "object"], 400, "send a JSON object with text (and session after the first turn)"),
])
def test_bad_requests_get_a_clear_json_error(client: FlaskClient, engine: RecordingEngine,
                                             payload: object, status: int, detail: str) -> None:
    response = client.post("/api/chat", json=payload)
    assert response.status_code == status
    assert response.get_json()["detail"] == detail
    assert engine.seen == []


def test_a_failing_engine_still_answers_the_driver(client: FlaskClient, engine: RecordingEngine) -> None:
    engine.fail = True
    response = client.post("/api/chat", json={"text": "help"})
    assert response.status_code == 200
    assert "Sorry, something went wrong on our side" in response.get_json()["replies"][0]["text"]


def test_the_page_names_the_charger_by_the_label_drivers_read(fleet_sqlite_runtime: Runtime,
                                                             engine: RecordingEngine) -> None:
    page = create_app(runtime=fleet_sqlite_runtime, engine=engine).test_client().get("/chat?charger=CP-1042")
    assert page.status_code == 200
    assert b"About <strong>Station 12</strong>" in page.data
    assert b"<title>Charging help \xe2\x80\x93 Station 12</title>" in page.data
    assert b'data-charger="CP-1042"' in page.data  # the bot still gets the OCPP id


def test_a_charger_the_fleet_does_not_know_is_named_as_the_link_says(client: FlaskClient) -> None:
    page = client.get("/chat?charger=CP-1042")
    assert page.status_code == 200
    assert b"About <strong>CP-1042</strong>" in page.data
    assert b'data-charger="CP-1042"' in page.data
    hostile = client.get('/chat?charger="><script>alert(1)</script>')
    assert b"<script>alert(1)" not in hostile.data


def test_a_lone_surrogate_in_a_message_is_stored_and_answered(runtime: Runtime) -> None:
    from bot.conversation.engine import ConversationEngine
    from tests.bot.conversation.fakes import FakeBridge, FakeKnowledge, FakeNLU, FakePolicy, FakeTickets

    real = ConversationEngine(runtime.sessions, FakeNLU(), FakeBridge(), FakeKnowledge(), FakePolicy(), None,
                              FakeTickets())
    client = create_app(runtime=runtime, engine=real).test_client()
    response = client.post("/api/chat", data=b'{"text": "my card \\ud800 was refused"}',
                           content_type="application/json")
    assert response.status_code == 200
    assert "something went wrong" not in response.get_json()["replies"][0]["text"].lower()
    assert real.store.transcript(_conversation_of(runtime))[0]["text"] == "my card \ufffd was refused"


def _conversation_of(runtime: Runtime) -> str:
    from sqlalchemy import select

    from bot.conversation.models import Conversation

    with runtime.sessions() as session:
        return session.scalars(select(Conversation.id)).one()
