"""The composition root of the conversation engine: the real NLU, bridge, policy, knowledge and handoff."""

from __future__ import annotations

import logging
from typing import Any, Optional

from bot.conversation.engine import ConversationEngine
from bot.runtime import Runtime

log = logging.getLogger(__name__)


def build_engine(runtime: Runtime, *, bridge_url: Optional[str] = None, nlu: Any = None,
                 bridge_timeout: float = 90.0) -> ConversationEngine:
    """Build the engine once per process from the runtime's settings (loads the NLU model and the KB)."""
    from bot.conversation.adapters import (
        BridgePolicy,
        ClientBridge,
        KnowledgeAdapter,
        RulesAdapter,
        TicketsAdapter,
    )
    from bot.knowledge import load_knowledge
    from handoff.rules import load_rules
    from ocpp_bridge.policy import load_policy

    settings = runtime.settings
    if nlu is None:
        from bot.nlu import load_engine

        nlu = load_engine(settings, train_if_missing=True)
    from ocpp_bridge.client import BridgeClient

    bridge = ClientBridge(BridgeClient(bridge_url or settings.bridge_url, runtime.api_token, timeout=bridge_timeout))
    rules = load_rules(settings.rules_file)
    engine = ConversationEngine(
        runtime.sessions, nlu, bridge, KnowledgeAdapter(load_knowledge()),
        BridgePolicy(load_policy(settings.policy_file)), RulesAdapter(rules), TicketsAdapter(rules))
    log.info("conversation engine ready bridge=%s", bridge.base_url)
    return engine
