"""The web app's collaborators in one typed container, built once by `create_app` (the composition root).

Tests hand in fakes by keyword (`create_app(runtime=..., engine=..., twilio_sender=...)`); an unknown keyword
is a TypeError rather than a silently ignored key. Request handlers read it with `services(current_app)`; nothing
is added to it from request threads except the engine, which a served app builds at start (bot.channels.recovery)
and any other app on its first turn, once, under a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

EXTENSION = "chargeline.services"


@dataclass(eq=False)
class Services:
    """What the web app's views and workers share; clients are typed `Any` because their classes live above."""

    engine: Any = None  # ConversationEngine
    bridge: Any = None  # ocpp_bridge.client.BridgeClient
    knowledge: Any = None  # bot.knowledge.KnowledgeBase
    rules: Any = None  # handoff.rules.RuleSet
    policy: Any = None  # ocpp_bridge.policy.Policy
    twilio_sender: Any = None  # bot.channels.twilio_rest.TwilioSender (None: from settings, if configured)
    telegram: Any = None  # bot.channels.telegram.BotAPI
    outbound: Any = None  # bot.outbound.Outbound, for agent replies after a takeover
    deferred: Any = None  # bot.channels.deferred.DeferredTurns
    reply_outbox: Any = None  # bot.channels.outbox.ReplyOutboxStore (served apps)
    rate_limiter: Any = None  # texted messages per contact
    webchat_address_limiter: Any = None  # None: CHARGELINE_WEBCHAT_ADDRESS_LIMIT is off
    webchat_session_limiter: Any = None  # None: CHARGELINE_WEBCHAT_SESSION_LIMIT is off
    turn_budget: float | None = None  # seconds a text turn may take before the "checking" answer
    start_retry_s: float | None = None  # how often requests may try to finish a start (tests: 0)
    engine_factory: Callable[[], Any] | None = field(default=None, repr=False)
    _engine_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def conversation_engine(self) -> Any:
        """The engine: the injected or already built one, else built now (once, whoever asks first)."""
        engine = self.engine
        if engine is None:
            with self._engine_lock:
                if self.engine is None:
                    if self.engine_factory is None:
                        raise RuntimeError("no conversation engine and no way to build one")
                    self.engine = self.engine_factory()
                engine = self.engine
        return engine


def services(app: Flask) -> Services:
    """The app's collaborators."""
    found: Services = app.extensions[EXTENSION]
    return found
