"""A local HTTP server standing in for Twilio's REST API at TWILIO_API_URL (outbound messages)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from tests.support.jsonserver import JsonStandIn

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "twilio-rest-test-token"


class TwilioRestServer(JsonStandIn):
    """Records every `POST /2010-04-01/Accounts/{sid}/Messages.json` and answers as Twilio does."""

    def __init__(self, account_sid: str = ACCOUNT_SID) -> None:
        self.account_sid = account_sid
        self.messages: list[dict[str, str]] = []
        self.failing = False
        self._sids = itertools.count(1)
        super().__init__()

    def answer(self, path: str, headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if path != f"/2010-04-01/Accounts/{self.account_sid}/Messages.json":
            return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
        if not headers.get("Authorization", "").startswith("Basic "):
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if self.failing:
            return 503, {"code": 20500, "message": "Service unavailable", "status": 503}
        self.messages.append(form)
        return 201, {"sid": f"SM{next(self._sids):032x}", "account_sid": self.account_sid, "to": form.get("To"),
                     "from": form.get("From"), "body": form.get("Body"), "status": "queued",
                     "num_segments": "1", "direction": "outbound-api"}
