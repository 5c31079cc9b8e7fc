"""A local HTTP server standing in for Telegram's Bot API at TELEGRAM_API_URL."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class BotAPIServer:
    """Records every `POST /bot{token}/{method}` and answers as the Bot API does."""

    def __init__(self, token: str = "123:test-token") -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.failing = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                prefix = f"/bot{server.token}/"
                if not self.path.startswith(prefix):
                    return self._answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                method = self.path[len(prefix):]
                server.calls.append((method, body))
                if server.failing:
                    return self._answer(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
                return self._answer(200, {"ok": True, "result": {"message_id": len(server.calls)}})

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [body for name, body in self.calls if name == method]

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


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
