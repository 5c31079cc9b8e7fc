"""The self-serve knowledge base: guides per problem in three channel styles, and error codes explained."""

from __future__ import annotations

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.context import GuideContext
from bot.knowledge.loader import default_knowledge, load_knowledge
from bot.knowledge.model import (
    ErrorExplanation,
    Guide,
    KnowledgeFileError,
    RenderedGuide,
    Style,
    UnknownGuide,
    Variants,
)

__all__ = [
    "ErrorExplanation",
    "Guide",
    "GuideContext",
    "KnowledgeBase",
    "KnowledgeFileError",
    "RenderedGuide",
    "Style",
    "UnknownGuide",
    "Variants",
    "default_knowledge",
    "load_knowledge",
]
