"""Stop a supervising process on SIGTERM and SIGHUP the way Ctrl-C does, so its `finally` stops the children."""

from __future__ import annotations

import signal


def stop_like_ctrl_c(*signals: signal.Signals) -> None:
    """Raise KeyboardInterrupt on these signals (default SIGTERM, SIGHUP); call from the main thread.

    Python's default for them ends the process at once, leaving child processes behind.
    """
    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    for sig in signals or (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)
