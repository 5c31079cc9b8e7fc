"""A local HTTP server standing in for Telegram's Bot API at TELEGRAM_API_URL."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tests.support.jsonserver import JsonStandIn


class BotAPIServer(JsonStandIn):
    """Records every `POST /bot{token}/{method}` and answers as the Bot API does."""

    def __init__(self, token: str = "123:test-token") -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.failing = False
        super().__init__()

    def answer(self, path: str, headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        self.calls.append((path[len(prefix):], json.loads(body or b"{}")))
        if self.failing:
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        return 200, {"ok": True, "result": {"message_id": len(self.calls)}}

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [body for name, body in self.calls if name == method]


def update(update_id: int, chat_id: int = 4242, **message: Any) -> dict[str, Any]:
    """A Telegram Update carrying a message from a private chat."""
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_700_000_000, "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Driver"}, **message}}


def button_press(update_id: int, payload: str, title: str, chat_id: int = 4242) -> dict[str, Any]:
    """A Telegram Update for a pressed inline button."""
    return {"update_id": update_id, "callback_query": {
        "id": f"cb{update_id}", "chat_instance": "1", "data": payload,
        "from": {"id": chat_id, "is_bot": False, "first_name": "Driver"},
        "message": {"message_id": 1, "date": 1_700_000_000, "chat": {"id": chat_id, "type": "private"},
                    "text": "Which charger?", "reply_markup": {"inline_keyboard": [[
                        {"text": title, "callback_data": payload}]]}}}}
