"""One-line progress for the demo: a live ticking line on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


def _tty(out: TextIO) -> bool:
    return bool(getattr(out, "isatty", lambda: False)())


@contextmanager
def ticking(label: str, out: TextIO | None = None) -> Iterator[None]:
    """Show "label... N s" while the block runs, then the time it took."""
    out = out or sys.stdout
    started = time.monotonic()
    stop = threading.Event()
    live = _tty(out)

    def tick() -> None:
        while not stop.wait(1.0):
            out.write(f"\r{label}... {time.monotonic() - started:.0f} s")
            out.flush()

    thread = threading.Thread(target=tick, daemon=True) if live else None
    out.write(f"{label}..." + ("" if live else "\n"))
    out.flush()
    if thread:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if thread:
            thread.join()
    elapsed = time.monotonic() - started
    out.write(f"\r{label}... {elapsed:.0f} s\n" if live else f"{label}: done in {elapsed:.0f} s\n")
    out.flush()


def counter(text: str, out: TextIO | None = None, *, final: bool = False) -> None:
    """Rewrite one status line in place on a terminal ("32/36 chargers connected"); elsewhere print changes."""
    out = out or sys.stdout
    if _tty(out):
        out.write(f"\r{text}" + ("\n" if final else ""))
    else:
        out.write(text + "\n")
    out.flush()
