"""What the operator configures besides settings: escalation rules, the remote-action policy, the knowledge base.

Read once when a process is composed and handed to whoever needs them (the web API, the background sweep
and the conversation engine), so a process never holds two copies that could disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.knowledge import KnowledgeBase, default_knowledge
from handoff.rules import RuleSet, load_rules
from ocpp_bridge.policy import Policy, load_policy


@dataclass(frozen=True)
class Content:
    """The rules, policy and knowledge base of one process."""

    rules: RuleSet
    policy: Policy
    knowledge: KnowledgeBase


def load_content(settings: Settings, *, knowledge: KnowledgeBase | None = None) -> Content:
    """Read and validate the rules and policy files (a bad one stops the start); the packaged knowledge base."""
    return Content(load_rules(settings.rules_file), load_policy(settings.policy_file),
                   knowledge if knowledge is not None else default_knowledge())
