"""Per-contact flood protection for the text webhooks (per process; bounded memory)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import Callable

MAX_CONTACTS = 50_000


class ContactRateLimiter:
    """Allow at most `limit` messages per `window` seconds from one contact."""

    def __init__(self, limit: int = 20, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._hits: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, channel: str, contact: str) -> bool:
        """Record one message; False when the contact is over its budget."""
        now = self._clock()
        key = (channel, contact)
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            allowed = len(hits) < self.limit
            if allowed:
                hits.append(now)
            self._hits[key] = hits
            while len(self._hits) > MAX_CONTACTS:
                self._hits.popitem(last=False)
        return allowed
