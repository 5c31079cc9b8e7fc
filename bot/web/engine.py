"""The conversation engine for web adapters: injected in tests, otherwise built once per app."""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app

_lock = threading.Lock()


def current_engine() -> Any:
    """Return the app's ConversationEngine, building it on first use."""
    collaborators = current_app.extensions["chargeline.collaborators"]
    engine = collaborators.get("engine")
    if engine is None:
        with _lock:
            engine = collaborators.get("engine")
            if engine is None:
                from bot.conversation.factory import build_engine

                engine = collaborators["engine"] = build_engine(current_app.extensions["chargeline"])
    return engine
