"""A daemon thread that runs jobs now and then every `interval` seconds, woken early on demand."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Self

log = logging.getLogger(__name__)


class PeriodicWorker:
    """Runs each job in turn, then waits `interval` (or until `wake`); a failing job is logged, never fatal."""

    def __init__(self, name: str, jobs: tuple[Callable[[], Any], ...], *, interval: float) -> None:
        self.name = name
        self._jobs = jobs
        self._interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"chargeline-{name}", daemon=True)

    def start(self) -> Self:
        """Start the thread; the first pass runs at once."""
        self._thread.start()
        return self

    def wake(self) -> None:
        """Run a pass now rather than at the next tick."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current pass."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            for job in self._jobs:
                try:
                    job()
                except Exception:
                    log.exception("%s pass failed", self.name)
            self._wake.wait(self._interval)
            self._wake.clear()
