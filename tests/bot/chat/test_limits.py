"""Web chat flood limits: per chat and per client address, a friendly 429 with Retry-After, on the real engine."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bot.channels.ratelimit import ContactRateLimiter
from bot.config import Rate, Settings
from bot.conversation.factory import build_engine
from bot.conversation.models import ConversationMessage
from bot.runtime import Runtime
from bot.web import create_app
from handoff.models import Ticket

PERSON = "can i talk to a real person please"


@pytest.fixture
def engine(fleet_sqlite_runtime: Runtime, trained_nlu: Any) -> Any:
    """The real conversation engine (no bridge: the chargers read as unreachable)."""
    return build_engine(fleet_sqlite_runtime, nlu=trained_nlu, bridge_url="http://127.0.0.1:9", bridge_timeout=2)


def chat_app(runtime: Runtime, engine: Any, settings: dict[str, Any] | None = None, **collaborators: Any) -> Flask:
    """The real app with the real engine, some settings changed."""
    runtime = dataclasses.replace(runtime, settings=runtime.settings.replace(**(settings or {})))
    return create_app(runtime=runtime, engine=engine, **collaborators)


def from_address(app: Flask, address: str, forwarded: str | None = None) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if forwarded is not None:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded
    return client


def count(runtime: Runtime, what: Any) -> int:
    with runtime.sessions() as db:
        return db.scalar(select(func.count()).select_from(what)) or 0


def test_twenty_anonymous_chats_from_one_address_open_only_as_many_tickets_as_the_limit(
        fleet_sqlite_runtime: Runtime, engine: Any) -> None:
    app = chat_app(fleet_sqlite_runtime, engine, {"webchat_address_limit": Rate(5, 60.0)})
    flooder = from_address(app, "203.0.113.7")
    answers = [flooder.post("/api/chat", json={"text": PERSON}) for _ in range(20)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 15
    assert count(fleet_sqlite_runtime, Ticket) == 5
    refused = answers[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.get_json() == {
        "error": "Too Many Requests", "retry_after": int(refused.headers["Retry-After"]),
        "detail": f"You are sending messages very fast. Please wait {refused.headers['Retry-After']} seconds, "
                  "then send your message again."}
    assert from_address(app, "203.0.113.8").post("/api/chat", json={"text": PERSON}).status_code == 200
    assert app.test_client().post("/api/chat", json={"text": PERSON}).status_code == 200  # loopback: not counted


def test_a_chat_over_its_budget_waits_until_the_window_moves_and_nothing_is_stored(
        fleet_sqlite_runtime: Runtime, engine: Any) -> None:
    now = [1000.0]
    limiter = ContactRateLimiter(3, 10.0, clock=lambda: now[0])
    app = chat_app(fleet_sqlite_runtime, engine, webchat_session_limiter=limiter)
    client = app.test_client()
    session = client.post("/api/chat", json={"text": "hello"}).get_json()["session"]  # a new chat: not counted
    for n in range(3):
        now[0] += 1
        assert client.post("/api/chat", json={"text": f"still there {n}", "session": session}).status_code == 200
    stored = count(fleet_sqlite_runtime, ConversationMessage)
    refused = client.post("/api/chat", json={"text": "hello??", "session": session})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "8"  # the first counted one: t=1001
    assert count(fleet_sqlite_runtime, ConversationMessage) == stored  # not stored, not answered
    other = client.post("/api/chat", json={"text": "hello", "session": "another-session-1234"})
    assert other.status_code == 200  # other chats are not affected
    now[0] = 1011.0
    assert client.post("/api/chat", json={"text": "hello??", "session": session}).status_code == 200


def test_the_default_lets_a_driver_write_a_message_a_second_for_a_minute() -> None:
    """The load benchmark's web chat drivers send one every 0.8-1.2 s in one chat."""
    now = [0.0]
    limit = Settings().webchat_session_limit
    assert limit is not None
    limiter = ContactRateLimiter(*limit, clock=lambda: now[0])
    answers = []
    for _ in range(75):
        answers.append(limiter.wait("webchat-session", "s1"))
        now[0] += 0.8
    assert answers == [0.0] * 75


def test_forwarded_addresses_are_counted_only_behind_a_trusted_proxy(fleet_sqlite_runtime: Runtime,
                                                                      engine: Any) -> None:
    limits = {"webchat_address_limit": Rate(2, 60.0)}
    direct = chat_app(fleet_sqlite_runtime, engine, limits)
    spoofed = [from_address(direct, "203.0.113.7", f"192.0.2.{n}").post("/api/chat", json={"text": "hi"})
               for n in range(3)]
    assert [a.status_code for a in spoofed] == [200, 200, 429]  # a made-up header changes nothing
    proxied = chat_app(fleet_sqlite_runtime, engine, {**limits, "trusted_proxies": 1})
    drivers = [from_address(proxied, "10.0.0.2", f"198.51.100.{n % 2}").post("/api/chat", json={"text": "hi"})
               for n in range(5)]
    assert [a.status_code for a in drivers] == [200, 200, 200, 200, 429]  # two drivers, two budgets


def test_limits_can_be_off(fleet_sqlite_runtime: Runtime, engine: Any) -> None:
    app = chat_app(fleet_sqlite_runtime, engine, {"webchat_address_limit": None, "webchat_session_limit": None})
    client = from_address(app, "203.0.113.7")
    assert {client.post("/api/chat", json={"text": "hi"}).status_code for _ in range(8)} == {200}
