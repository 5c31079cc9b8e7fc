"""The conversation engine for web adapters: the app's own (injected in tests, else built once per app)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from bot.services import services


def current_engine() -> Any:
    """Return the app's ConversationEngine (a served app builds it at start; others on the first turn)."""
    return services(current_app).conversation_engine()
