"""`GET /api/chat/messages`: what a web chat page polls for, an agent's words and the takeover notices."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from bot.chat.web import POLL_PAGE
from bot.conversation.store import ConversationStore
from bot.messages import InboundMessage, Reply
from bot.outbound import Outbound
from bot.runtime import Runtime
from bot.web import create_app
from handoff.takeover import BACK_TO_BOT, Takeover


@pytest.fixture
def client(runtime: Runtime) -> FlaskClient:
    return create_app(runtime=runtime).test_client()


def chat_with_a_bot_answer(runtime: Runtime) -> tuple[str, str]:
    """A web chat session whose driver said something and the bot answered (the real store)."""
    session = secrets.token_urlsafe(18)
    now = datetime.now(UTC)
    store = ConversationStore(runtime.sessions)
    recorded = store.record_inbound(InboundMessage(channel="webchat", contact=session, text="it won't start",
                                                   delivery_id=secrets.token_hex(8), received_at=now), now)
    store.finish_turn(recorded.conversation_id, recorded.message_id, recorded.state,
                      (Reply(text="Which charger are you at?"),), now)
    return session, recorded.conversation_id


def test_the_page_gets_the_agents_words_and_notices_but_not_the_bots_answers(runtime: Runtime,
                                                                             client: FlaskClient) -> None:
    session, conversation_id = chat_with_a_bot_answer(runtime)
    takeover = Takeover(runtime.sessions, Outbound())
    assert takeover.take_over(conversation_id, "Sam").ok
    assert takeover.reply(conversation_id, "Sam", "Hi, I'm Sam. Which connector?").ok

    answer = client.get(f"/api/chat/messages?session={session}&after=0")
    assert answer.status_code == 200
    body = answer.get_json()
    messages = body["messages"]
    assert [(m["from"], m["text"], m.get("agent"), m.get("event")) for m in messages] == [
        ("bot", "Sam from support has joined the conversation.", "Sam", "agent_joined"),
        ("agent", "Hi, I'm Sam. Which connector?", "Sam", None)]
    assert (body["agent_mode"], body["agent"], body["last"]) == (True, "Sam", messages[-1]["id"])

    again = client.get(f"/api/chat/messages?session={session}&after={body['last']}").get_json()
    assert (again["messages"], again["last"]) == ([], body["last"])

    takeover.hand_back(conversation_id, "Sam")
    back = client.get(f"/api/chat/messages?session={session}&after={body['last']}").get_json()
    assert [(m["from"], m["text"]) for m in back["messages"]] == [("bot", BACK_TO_BOT)]
    assert (back["agent_mode"], back["agent"]) == (False, None)


def test_a_session_with_no_agent_gets_an_empty_list(runtime: Runtime, client: FlaskClient) -> None:
    session, _ = chat_with_a_bot_answer(runtime)
    body = client.get(f"/api/chat/messages?session={session}").get_json()
    assert (body["messages"], body["agent_mode"], body["last"]) == ([], False, 0)


def test_a_long_run_of_bot_replies_does_not_stall_the_cursor(runtime: Runtime, client: FlaskClient) -> None:
    session, conversation_id = chat_with_a_bot_answer(runtime)
    store = ConversationStore(runtime.sessions)
    now = datetime.now(UTC)
    many = tuple(Reply(text=f"step {i}") for i in range(POLL_PAGE + 5))
    recorded = store.record_inbound(InboundMessage(channel="webchat", contact=session, text="more",
                                                   delivery_id=secrets.token_hex(8), received_at=now), now)
    store.finish_turn(conversation_id, recorded.message_id, recorded.state, many, now)
    Takeover(runtime.sessions, Outbound()).take_over(conversation_id, "Sam")
    first = client.get(f"/api/chat/messages?session={session}").get_json()
    assert first["messages"] == [] and first["last"] > 0  # a full page of bot replies: move past them
    second = client.get(f"/api/chat/messages?session={session}&after={first['last']}").get_json()
    assert [m["event"] for m in second["messages"]] == ["agent_joined"]
    assert second["last"] == second["messages"][0]["id"]


@pytest.mark.parametrize(("query", "status"), [
    ("", 400),
    ("session=short", 400),
    ("session=" + "x" * 65, 400),
    ("session=abc%00defghijklmnopqrs", 400),
    ("session=" + "A" * 24 + "&after=-1", 400),
    ("session=" + "A" * 24 + "&after=1.5", 400),
    ("session=" + "A" * 24 + "&after=%C2%B2", 400),  # a superscript two is a digit to str.isdigit
    ("session=" + "A" * 24 + "&after=" + "9" * 30, 400),
    ("session=" + "A" * 24, 404),
    ("session=" + "A" * 24 + "&after=5", 404),
])
def test_bad_or_unknown_sessions_are_refused_clearly(client: FlaskClient, query: str, status: int) -> None:
    answer = client.get(f"/api/chat/messages?{query}")
    assert answer.status_code == status
    assert answer.is_json and answer.get_json()["detail"]
