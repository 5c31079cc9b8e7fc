"""Per-contact flood protection for the text webhooks.

In one process the budget lives in memory (bounded); with `CHARGELINE_REDIS_URL` every web process and node
shares it in Redis, so two gunicorn workers do not double a contact's budget. If Redis stops answering,
each process falls back to its own count rather than refusing or waving through every message.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

MAX_CONTACTS = 50_000
DEFAULT_LIMIT, DEFAULT_WINDOW = 20, 60.0
RETRY_S = 5.0


class RateLimiter(Protocol):
    def allow(self, channel: str, contact: str) -> bool:
        """Record one message; False when the contact is over its budget."""

    def wait(self, channel: str, contact: str) -> float:
        """Record one message and return 0; or, over the budget, the seconds until the contact may send again."""


class ContactRateLimiter:
    """Allow at most `limit` messages per `window` seconds from one contact."""

    def __init__(self, limit: int = DEFAULT_LIMIT, window: float = DEFAULT_WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._hits: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, channel: str, contact: str) -> bool:
        """Record one message; False when the contact is over its budget."""
        return self.wait(channel, contact) == 0.0

    def wait(self, channel: str, contact: str) -> float:
        """Record one message and return 0; or, over the budget, the seconds until the contact may send again."""
        now = self._clock()
        key = (channel, contact)
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            wait = 0.0 if len(hits) < self.limit else self.window - (now - hits[0])
            if not wait:
                hits.append(now)
            self._hits[key] = hits
            while len(self._hits) > MAX_CONTACTS:
                self._hits.popitem(last=False)
        return wait


# A sliding window kept as a sorted set of message times: drop the old ones, count, add if under the limit;
# over it, answer the oldest time still counted (a string: Lua numbers would lose the fraction).
_SLIDING_WINDOW = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return {1}
end
return {0, redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]}
"""


class RedisRateLimiter:
    """The same budget as `ContactRateLimiter`, shared by every process through Redis (contacts hashed)."""

    def __init__(self, url: str, limit: int = DEFAULT_LIMIT, window: float = DEFAULT_WINDOW,
                 clock: Callable[[], float] = time.time, *, client: Any = None) -> None:
        import redis

        self.limit, self.window, self._clock = limit, window, clock
        self._redis = client or redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script = self._redis.register_script(_SLIDING_WINDOW)
        self._errors = (redis.RedisError, OSError)
        self.fallback = ContactRateLimiter(limit, window)
        self._degraded = False
        self._retry_at = 0.0  # while Redis is down, try it again only after RETRY_S (no timeout per message)

    def allow(self, channel: str, contact: str) -> bool:
        """Record one message; False when the contact is over its budget (counted in this process if Redis fails)."""
        return self.wait(channel, contact) == 0.0

    def wait(self, channel: str, contact: str) -> float:
        """Record one message and return 0; or, over the budget, the seconds until the contact may send again."""
        if self._degraded and time.monotonic() < self._retry_at:
            return self.fallback.wait(channel, contact)
        digest = hashlib.sha256(f"{channel}:{contact}".encode()).hexdigest()[:24]
        now = self._clock()
        try:
            answer = self._script(keys=[f"chargeline:rate:{digest}"], args=[
                repr(now), repr(self.window), self.limit, f"{now!r}:{uuid.uuid4().hex[:8]}",
                math.ceil(self.window * 1000)])
        except self._errors as exc:
            if not self._degraded:
                log.warning("rate limits counted per process: Redis unavailable (%s)", exc)
                self._degraded = True
            self._retry_at = time.monotonic() + RETRY_S
            return self.fallback.wait(channel, contact)
        if self._degraded:
            log.info("rate limits shared through Redis again")
            self._degraded = False
        if answer[0] == 1:
            return 0.0
        return max(self.window - (now - float(answer[1])), 0.001)  # refused: never 0, which means allowed


def rate_limiter_for(redis_url: str | None, limit: int = DEFAULT_LIMIT, window: float = DEFAULT_WINDOW) \
        -> RateLimiter:
    """Shared through Redis when the deployment has it, else per process."""
    return RedisRateLimiter(redis_url, limit, window) if redis_url else ContactRateLimiter(limit, window)
