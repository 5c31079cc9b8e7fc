"""The composition root of the conversation engine: the real NLU, bridge, policy, knowledge and handoff."""

from __future__ import annotations

import gc
import logging
import threading
from datetime import timedelta
from typing import Any

from bot.conversation.adapters import BridgePolicy, ClientBridge, KnowledgeAdapter, RulesAdapter, TicketsAdapter
from bot.conversation.engine import ConversationEngine
from bot.conversation.resume import RunningTurns
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.nlu import load_engine
from bot.runtime import Runtime
from handoff.rules import RuleSet, load_rules
from ocpp_bridge.client import BridgeClient
from ocpp_bridge.policy import Policy, load_policy

log = logging.getLogger(__name__)

_frozen = threading.Event()
_freeze_lock = threading.Lock()


def freeze_startup_heap() -> None:
    """Move everything alive now (the NLU model, the KB: ~120k objects) out of the collector's sight, once.

    A full collection over the loaded model takes ~70 ms and lands on whichever turn triggers it; frozen,
    it costs nothing. Done once per process so that later engines (tests build many) are collected normally.
    """
    with _freeze_lock:
        if _frozen.is_set():
            return
        gc.collect()
        gc.freeze()
        _frozen.set()
        log.info("start-up heap frozen objects=%d", gc.get_freeze_count())


def build_engine(runtime: Runtime, *, bridge_url: str | None = None, nlu: Any = None,
                 bridge_timeout: float = 90.0, freeze_gc: bool = True, rules: RuleSet | None = None,
                 policy: Policy | None = None, knowledge: KnowledgeBase | None = None) -> ConversationEngine:
    """Build the engine once per process from the runtime's settings (loads the NLU model, and the rules, policy
    and knowledge base unless the composition root hands in the ones it already read)."""
    settings = runtime.settings
    if nlu is None:
        nlu = load_engine(settings, train_if_missing=True)
    # with the database, a command whose answer was lost is looked up in the bridge's audit (its real result)
    bridge = ClientBridge(BridgeClient(bridge_url or settings.bridge_url, runtime.api_token, timeout=bridge_timeout,
                                       sessions=runtime.sessions))
    rules = rules if rules is not None else load_rules(settings.rules_file)
    policy = policy if policy is not None else load_policy(settings.policy_file)
    knowledge = knowledge if knowledge is not None else load_knowledge()
    engine = ConversationEngine(
        runtime.sessions, nlu, bridge, KnowledgeAdapter(knowledge), BridgePolicy(policy), RulesAdapter(rules),
        TicketsAdapter(rules),
        running=RunningTurns(runtime.sessions, grace=timedelta(seconds=settings.turn_grace)),
        language_by_number=settings.language_by_number)
    if freeze_gc:
        freeze_startup_heap()
    log.info("conversation engine ready bridge=%s", bridge.base_url)
    return engine
