"""Web chat flood limits: messages per chat session and per client address.

Anyone who scans a charger's QR code may write, so a script could open a chat a second and file a ticket
with each. Every message counts against its chat (CHARGELINE_WEBCHAT_SESSION_LIMIT) and the client's
address (CHARGELINE_WEBCHAT_ADDRESS_LIMIT, the address as `bot.web.proxies` sees it; loopback is never
counted); over either, the message is refused with 429 and Retry-After. Counted in Redis across every web
process with CHARGELINE_REDIS_URL, else per process (`bot.channels.ratelimit`).
"""

from __future__ import annotations

import logging
import math

from flask import Response, current_app, g, jsonify, request

from bot.channels.ratelimit import RateLimiter
from bot.config import Rate
from bot.services import services
from bot.web.proxies import limit_key

log = logging.getLogger(__name__)

BY_SESSION, BY_ADDRESS = "webchat-session", "webchat-address"
SLOW_DOWN = "You are sending messages very fast. Please wait {seconds} seconds, then send your message again."


def _limiter(limiter: RateLimiter | None, rate: Rate | None) -> RateLimiter | None:
    """The app's limiter (built at start, or handed in to create_app by a test); None when the limit is off."""
    return None if rate is None else limiter


def wait_before_turn(session_id: str | None) -> float:
    """Count one message of this chat from this client: 0, or the seconds to wait when over a limit."""
    settings = g.runtime.settings
    address = limit_key(request.remote_addr, request.headers)
    by_address = _limiter(services(current_app).webchat_address_limiter, settings.webchat_address_limit)
    if address is not None and by_address is not None:
        wait = by_address.wait(BY_ADDRESS, address)
        if wait:
            log.warning("web chat rate limited address=%s", address)
            return wait
    by_session = _limiter(services(current_app).webchat_session_limiter, settings.webchat_session_limit)
    if session_id is not None and by_session is not None:
        wait = by_session.wait(BY_SESSION, session_id)
        if wait:
            log.warning("web chat rate limited session=%s", session_id[:6])
            return wait
    return 0.0


def too_many(wait: float) -> tuple[Response, int]:
    """The 429 a refused message gets: a sentence the chat page shows, and when to try again."""
    seconds = max(1, math.ceil(wait))
    response = jsonify(error="Too Many Requests", detail=SLOW_DOWN.format(seconds=seconds), retry_after=seconds)
    response.headers["Retry-After"] = str(seconds)
    return response, 429
