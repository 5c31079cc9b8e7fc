"""The conversation core: one `ConversationEngine.handle(InboundMessage) -> TurnResult` per driver message.

Build it once with `bot.conversation.factory.build_engine(runtime)`; see
`bot.conversation.engine` for how channels call it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ConversationEngine", "build_engine"]


def __getattr__(name: str) -> Any:
    # lazy, so that importing the models (bot.app.tables) does not pull in the dialogue
    if name == "ConversationEngine":
        from bot.conversation.engine import ConversationEngine

        return ConversationEngine
    if name == "build_engine":
        from bot.conversation.factory import build_engine

        return build_engine
    raise AttributeError(name)
