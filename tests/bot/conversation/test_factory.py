"""The composition root wires the real knowledge base, policy, rules and tickets."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

from bot.conversation.factory import build_engine, freeze_startup_heap
from bot.messages import InboundMessage
from bot.runtime import Runtime
from tests.bot.conversation.fakes import FakeNLU


def test_the_built_engine_answers_a_knowledge_question_from_the_real_guides(sqlite_runtime: Runtime) -> None:
    engine = build_engine(sqlite_runtime, nlu=FakeNLU(), bridge_url="http://127.0.0.1:9")
    result = engine.handle(InboundMessage(channel="webchat", contact="s-1", text="how do I pay here",
                                          delivery_id="w1", received_at=datetime.now(UTC),
                                          charger_hint="CP-2001"))
    assert result.charger_id == "CP-2001"
    assert result.replies and result.replies[0].links
    link = result.replies[0].links[0][1]
    assert link.startswith("/kb/") and link.endswith("?charger=CP-2001")


def test_the_built_engine_fails_open_when_the_bridge_is_down(sqlite_runtime: Runtime) -> None:
    engine = build_engine(sqlite_runtime, nlu=FakeNLU(), bridge_url="http://127.0.0.1:9", bridge_timeout=2)
    result = engine.handle(InboundMessage(channel="sms", contact="+4917000000", text="my cable is stuck at station 8",
                                          delivery_id="s1", received_at=datetime.now(UTC)))
    # the charger never connected: the bot says it cannot reach it and hands over with a real ticket
    assert "I can't reach Station 8 to release the cable." in result.replies[0].text
    assert result.replies[-1].handoff is not None and result.replies[-1].handoff.ticket_id.startswith("T-")


def test_the_start_up_heap_is_frozen_once_per_process(sqlite_runtime: Runtime) -> None:
    build_engine(sqlite_runtime, nlu=FakeNLU(), bridge_url="http://127.0.0.1:9")
    frozen = gc.get_freeze_count()
    assert frozen > 0
    freeze_startup_heap()
    build_engine(sqlite_runtime, nlu=FakeNLU(), bridge_url="http://127.0.0.1:9")
    assert gc.get_freeze_count() == frozen
