"""Outbound SMS/WhatsApp through Twilio's REST API (`TWILIO_API_URL` points it elsewhere in tests)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlparse

from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.config import Settings
from bot.errors import ChargeLineError
from bot.logs import mask_phone

log = logging.getLogger(__name__)
TWILIO_API = "https://api.twilio.com"


class OutboundFailed(ChargeLineError):
    """Twilio did not accept an outbound message."""


class _RootedHttpClient(TwilioHttpClient):
    """Send every request to `root` instead of Twilio's own API host."""

    def __init__(self, root: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.root = root.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        parsed = urlparse(url)
        rooted = self.root + parsed.path + (f"?{parsed.query}" if parsed.query else "")
        return super().request(method, rooted, *args, **kwargs)


class TwilioSender:
    """Send a text to a driver on SMS or WhatsApp."""

    def __init__(self, account_sid: str, auth_token: str, *, api_url: str | None = None, timeout: float = 10.0) -> None:
        http = _RootedHttpClient(api_url, timeout) if api_url else TwilioHttpClient(timeout=timeout)
        self._client = Client(account_sid, auth_token, http_client=http)

    @classmethod
    def from_settings(cls, settings: Settings) -> TwilioSender | None:
        """Build from TWILIO_* settings, or None when Twilio is not configured."""
        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            return None
        return cls(settings.twilio_account_sid, settings.twilio_auth_token, api_url=settings.twilio_api_url)

    def send(self, to: str, body: str, *, from_: str) -> str:
        """Send one message; return its MessageSid."""
        try:
            message = self._client.messages.create(to=to, from_=from_, body=body)
        except TwilioException as exc:
            raise OutboundFailed(f"Twilio refused the message to {mask_phone(to)}: {exc}") from exc
        except OSError as exc:
            raise OutboundFailed(f"Twilio could not be reached: {exc}") from exc
        log.info("outbound message sid=%s to=%s", message.sid, mask_phone(to))
        return str(message.sid)
