"""One database writer per node: a thread that drains a queue and commits what it holds in one transaction.

Committing one transaction per charger message on several threads was the
bridge's limit (docs/benchmarks.md "## OCPP bridge"): on SQLite the threads
queue for the single write lock, on PostgreSQL every commit is a round trip.
One writer that commits whatever accumulated while the previous commit ran
(group commit) keeps the queue short and preserves the order in which
messages arrived, so one charger's reports are never applied out of order.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

# A write: a store method called with `session=` (see store.unit_of_work) plus its arguments.
Write = Callable[..., Any]


class _Item:
    __slots__ = ("args", "fn", "future", "kwargs", "loop")

    def __init__(self, fn: Write, args: tuple[Any, ...], kwargs: dict[str, Any],
                 future: asyncio.Future[Any], loop: asyncio.AbstractEventLoop) -> None:
        self.fn, self.args, self.kwargs, self.future, self.loop = fn, args, kwargs, future, loop

    def run(self, session: Session) -> Any:
        return self.fn(*self.args, session=session, **self.kwargs)

    def settle(self, result: Any = None, error: BaseException | None = None) -> None:
        """Resolve the caller's future on its own loop (the loop may be gone at exit: then nobody waits)."""
        def resolve() -> None:
            if self.future.done():
                return
            if error is not None:
                self.future.set_exception(error)
            else:
                self.future.set_result(result)
        try:
            self.loop.call_soon_threadsafe(resolve)
        except RuntimeError:
            pass


_STOP = object()


class Writer:
    """Serialises the node's writes through one thread; a batch is one transaction of up to `batch` writes."""

    def __init__(self, sessions: sessionmaker[Session], batch: int = 200) -> None:
        self.sessions = sessions
        self.batch = max(1, batch)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.batches = 0  # committed transactions, for the logs and tests
        self.writes = 0

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="bridge-writer", daemon=True)
                self._thread.start()

    def submit(self, fn: Write, *args: Any, **kwargs: Any) -> asyncio.Future[Any]:
        """Queue a write; the future resolves with its result once its batch is committed."""
        if self._closed:
            raise RuntimeError("the bridge's writer is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._start()
        self._queue.put(_Item(fn, args, kwargs, future, loop))
        return future

    async def flush(self) -> None:
        """Wait until everything queued before this call is committed."""
        await self.submit(_nothing)

    def close(self) -> None:
        """Commit everything still queued, then stop the thread (blocking; call it off the loop)."""
        self._closed = True
        with self._lock:
            thread = self._thread
        if thread is None:
            return
        self._queue.put(_STOP)
        thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            items: list[_Item] = []
            first = self._queue.get()
            if first is _STOP:
                stopping = True
            else:
                items.append(first)
            # take what accumulated while the last batch committed; never wait for more
            while len(items) < self.batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    continue  # still commit what was queued before the stop
                items.append(item)
            if items:
                self._commit(items)

    def _commit(self, items: list[_Item]) -> None:
        """One transaction for the batch; if it fails, retry each write alone so one bad write loses only itself."""
        try:
            with self.sessions.begin() as session:
                results = [item.run(session) for item in items]
        except Exception:
            log.warning("a batch of %d writes failed; retrying them one by one", len(items), exc_info=True)
            for item in items:
                self._alone(item)
            return
        self.batches += 1
        self.writes += len(items)
        for item, result in zip(items, results):
            item.settle(result)

    def _alone(self, item: _Item) -> None:
        """Run one write in its own transaction (the store retries a racing insert once)."""
        try:
            result = item.fn(*item.args, **item.kwargs)
        except Exception as exc:
            log.exception("database write %s failed", getattr(item.fn, "__name__", "?"))
            item.settle(error=exc)
            return
        self.batches += 1
        self.writes += 1
        item.settle(result)


def _nothing(*, session: Session | None = None) -> None:
    """A write that writes nothing: a barrier for flush()."""
