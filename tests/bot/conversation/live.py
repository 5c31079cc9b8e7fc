"""A live stack for the acceptance tests: the real bridge and a simulated fleet on a background loop."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Awaitable, Iterator, Mapping
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.conversation.adapters import (
    BridgePolicy,
    ClientBridge,
    KnowledgeAdapter,
    RulesAdapter,
    TicketsAdapter,
)
from bot.conversation.engine import ConversationEngine
from bot.knowledge import load_knowledge
from bot.messages import InboundMessage, TurnResult
from bot.runtime import Runtime
from handoff.rules import load_rules
from ocpp_bridge.client import BridgeClient
from ocpp_bridge.core import BridgeOptions
from ocpp_bridge.policy import load_policy
from ocpp_bridge.server import Bridge
from ocpp_bridge.simulator import SimulatedFleet

T = TypeVar("T")
FLEET = Path(__file__).resolve().parents[2] / "data" / "fleet_small.yml"
OPTIONS = BridgeOptions(command_timeout=5.0, verify_timeout=8.0, gc_freeze=False, watchdog_period=0.5)


class LiveStack:
    """Bridge + simulated chargers on their own event loop; the engine talks to them over real sockets."""

    def __init__(self, runtime: Runtime, scenario: Mapping[str, Any], nlu: Any) -> None:
        self.runtime = runtime
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="live-bridge", daemon=True)
        self.bridge = Bridge(runtime, "127.0.0.1", 0, 0, options=OPTIONS)
        self.scenario = scenario
        self.fleet: SimulatedFleet | None = None
        self.nlu = nlu
        self.engine: ConversationEngine | None = None
        self._ids = itertools.count(1)

    def run(self, coro: Awaitable[T], timeout: float = 60) -> T:
        """Run a coroutine on the stack's loop."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]
        return future.result(timeout)

    def start(self) -> LiveStack:
        """Start the bridge, connect the fleet, build the engine on the real collaborators."""
        self.thread.start()
        self.run(self.bridge.start())
        self.fleet = SimulatedFleet(self.bridge.url, FLEET, self.scenario, protocol="1.6",
                                    heartbeat_interval=300)
        self.run(self.fleet.__aenter__())
        rules = load_rules(None)
        self.engine = ConversationEngine(
            self.runtime.sessions, self.nlu,
            ClientBridge(BridgeClient(self.bridge.control_url, self.runtime.api_token, timeout=30)),
            KnowledgeAdapter(load_knowledge()), BridgePolicy(load_policy(None)), RulesAdapter(rules),
            TicketsAdapter(rules))
        return self

    def say(self, text: str = "", *, contact: str = "+4915199990000", **extra: Any) -> TurnResult:
        """One driver message over SMS."""
        assert self.engine is not None
        return self.engine.handle(InboundMessage(
            channel="sms", contact=contact, text=text, delivery_id=f"live-{next(self._ids)}",
            received_at=datetime.now(UTC), **extra))

    def stop(self) -> None:
        """Disconnect the fleet, stop the bridge and the loop."""
        try:
            if self.fleet is not None:
                self.run(self.fleet.close(), 20)
            self.run(self.bridge.stop(), 20)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


def live_stack(runtime: Runtime, request: Any, nlu: Any, *, with_fleet: bool = True) -> Iterator[LiveStack]:
    """Body of the `live` fixtures: the stack playing the test's scenario (`parametrize("live", [scenario],
    indirect=True)`), after importing the test fleet unless the runtime already holds it."""
    if with_fleet:
        from bot.fleet import import_fleet, parse_fleet_file

        import_fleet(runtime.sessions, parse_fleet_file(FLEET))
    stack = LiveStack(runtime, getattr(request, "param", None) or {}, nlu).start()
    try:
        yield stack
    finally:
        stack.stop()
