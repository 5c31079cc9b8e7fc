"""Run a conversation turn within a webhook's time budget, letting a slow one finish in the background.

Twilio gives a webhook 15 s; a turn that resets a charger and waits for it to
come back can take a minute. A channel starts the turn here and gets its
result if it is done within the budget; otherwise it answers Twilio at once
(a hold message and a redirect on voice, a short text on SMS) and the turn
goes on in a worker thread. Its replies are stored by the engine like any
other; `wait` hands them over later, from memory in this process or, when
another worker process took the turn, from the database (`stored`).

A turn delivered later by `then` is also queued in the reply outbox (when
one is given) before the webhook answers, keyed `"{channel}:{delivery id}"`:
if this process dies before `then` has run, another one sends the replies.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.messages import TurnResult

if TYPE_CHECKING:
    from bot.channels.outbox import ReplyOutboxStore

log = logging.getLogger(__name__)

DEFAULT_BUDGET_S = 8.0  # well inside Twilio's 15 s, leaving room for rendering and the network
KEEP_S = 600.0  # forget finished turns nobody asked for after this long
POLL_S = 0.1


@dataclass
class _Entry:
    started: float
    done: threading.Event = field(default_factory=threading.Event)
    result: TurnResult | None = None
    deferred: bool = False
    then: Callable[[TurnResult], bool] | None = None
    from_number: str | None = None


class DeferredTurns:
    """A small pool of turn workers with a per-turn time budget; one per app."""

    def __init__(self, *, budget: float = DEFAULT_BUDGET_S, wait_budget: float | None = None,
                 workers: int = 8, outbox: ReplyOutboxStore | None = None) -> None:
        self.budget = budget
        self.outbox = outbox
        self.wait_budget = budget if wait_budget is None else wait_budget
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="turn")
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}

    def run(self, key: str, turn: Callable[[], TurnResult], then: Callable[[TurnResult], bool] | None = None,
            *, from_number: str | None = None, spent: float = 0.0) -> TurnResult | None:
        """Run `turn`; return its result if done within the budget, else None and call `then(result)` later.

        `turn` must not raise (wrap the engine so a failure becomes an apology); `then` runs on the worker and
        says whether the replies went out (False leaves them in the outbox for the recovery worker, which
        sends them from `from_number`, the number the driver wrote to). `spent`: seconds of the webhook's
        time already gone before the turn could start (e.g. a fresh worker loading its engine), taken off
        the budget so the answer still reaches Twilio within its 15 s.
        """
        entry = _Entry(started=time.monotonic(), then=then, from_number=from_number)
        with self._lock:
            self._forget_old(entry.started)
            self._entries[key] = entry
        self._pool.submit(self._work, key, entry, turn)
        if entry.done.wait(max(0.0, self.budget - spent)):
            self._pop(key)
            return entry.result
        durable = then is not None and self._queue(key, from_number)  # before `then` can run: it marks it sent
        with self._lock:
            if entry.done.is_set():  # finished between the timeout and the lock
                self._entries.pop(key, None)
                if durable:
                    self._sent(key)  # the webhook answers it after all
                return entry.result
            entry.deferred = True
        log.info("turn outlasted its budget of %.1f s key=%s; continuing in the background", self.budget, key)
        return None

    def wait(self, key: str, stored: Callable[[], TurnResult | None]) -> TurnResult | None:
        """The result of a deferred turn, waiting up to `wait_budget`; None if it is still running."""
        with self._lock:
            entry = self._entries.get(key)
        deadline = time.monotonic() + self.wait_budget
        if entry is not None:
            if entry.done.wait(self.wait_budget):
                self._pop(key)
                return entry.result
            return None
        while True:  # another process runs it: its replies appear in the database when done
            result = stored()
            if result is not None or time.monotonic() >= deadline:
                return result
            time.sleep(POLL_S)

    def shutdown(self) -> None:
        """Let running turns finish; used when the app stops."""
        self._pool.shutdown(wait=True)

    def _work(self, key: str, entry: _Entry, turn: Callable[[], TurnResult]) -> None:
        try:
            result = turn()
        except Exception:  # a bug in the wrapper: nothing else will see it, so log it here
            log.exception("deferred turn failed key=%s", key)
            result = None
        with self._lock:
            entry.result = result
            entry.done.set()
            deferred = entry.deferred
        if deferred and entry.then is not None:
            self._pop(key)  # nobody waits for a turn that delivers itself
            if result is not None:
                try:
                    delivered = entry.then(result)
                except Exception:  # the outbox row stays due: the recovery worker sends it
                    log.exception("delivering a deferred turn failed key=%s", key)
                else:
                    if delivered:
                        self._sent(key)
                    else:  # the outbox row stays due: the recovery worker tries again with backoff
                        log.warning("a deferred reply was not delivered key=%s; left to the outbox", key)

    def _queue(self, key: str, from_number: str | None) -> bool:
        """Queue the turn's replies in the outbox; False when there is none or it cannot be written."""
        if self.outbox is None:
            return False
        channel, _, delivery_id = key.partition(":")
        try:
            self.outbox.enqueue(channel, delivery_id, datetime.now(UTC), from_number=from_number)
        except Exception:  # the reply still goes out from memory; only a crash before then would lose it
            log.exception("could not queue a deferred reply key=%s", key)
            return False
        return True

    def _sent(self, key: str) -> None:
        if self.outbox is None:
            return
        channel, _, delivery_id = key.partition(":")
        try:
            self.outbox.mark_sent(channel, delivery_id, datetime.now(UTC))
        except Exception:  # the worker will find the turn finished and may send it again: say so
            log.exception("could not mark a deferred reply sent key=%s; it may be sent twice", key)

    def _pop(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def _forget_old(self, now: float) -> None:
        old = [k for k, e in self._entries.items() if e.done.is_set() and now - e.started > KEEP_S]
        for key in old:
            del self._entries[key]

