"""A local HTTP server standing in for Twilio's REST API at TWILIO_API_URL (outbound messages)."""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "twilio-rest-test-token"


class TwilioRestServer:
    """Records every `POST /2010-04-01/Accounts/{sid}/Messages.json` and answers as Twilio does."""

    def __init__(self, account_sid: str = ACCOUNT_SID) -> None:
        self.account_sid = account_sid
        self.messages: list[dict[str, str]] = []
        self.failing = False
        sids = itertools.count(1)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path != f"/2010-04-01/Accounts/{server.account_sid}/Messages.json":
                    return self._answer(404, {"code": 20404, "message": "The requested resource was not found",
                                              "status": 404})
                if not self.headers.get("Authorization", "").startswith("Basic "):
                    return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                if server.failing:
                    return self._answer(503, {"code": 20500, "message": "Service unavailable", "status": 503})
                server.messages.append(form)
                sid = f"SM{next(sids):032x}"
                return self._answer(201, {"sid": sid, "account_sid": server.account_sid, "to": form.get("To"),
                                          "from": form.get("From"), "body": form.get("Body"), "status": "queued",
                                          "num_segments": "1", "direction": "outbound-api"})

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

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
