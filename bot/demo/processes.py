"""The demo's child processes: started in their own session, logged to files, stopped together."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)


class ChildExited(RuntimeError):
    """A child process stopped on its own; its log says why."""


class Children:
    """`chargeline` subcommands as child processes; `stop()` ends every one of them."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env, self.log_dir = env, log_dir
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []
        log_dir.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, args: list[str]) -> None:
        """Start `chargeline ARGS` with output to logs/NAME.log."""
        out = (self.log_dir / f"{name}.log").open("ab")
        self._logs.append(out)
        # a session of its own: the terminal's Ctrl-C reaches only us, and we stop the children in order
        self.running[name] = subprocess.Popen([sys.executable, "-m", "bot.cli", *args], env=self.env,
                                              stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                              start_new_session=True)
        log.info("demo started %s pid=%s", name, self.running[name].pid)

    def check(self) -> None:
        """Raise ChildExited if any child has stopped."""
        for name, child in self.running.items():
            if child.poll() is not None:
                raise ChildExited(f"{name} exited with code {child.returncode}; see {self.log_dir / (name + '.log')}")

    def wait_http(self, url: str, timeout: float) -> None:
        """Wait until `url` answers 200, failing early if a child dies."""
        deadline = time.monotonic() + timeout
        while True:
            self.check()
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ChildExited(f"{url} did not answer within {timeout:.0f} s; see the logs in {self.log_dir}")
            time.sleep(0.2)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM every child (the simulator first, the bridge last), then kill whatever is left."""
        for child in reversed(list(self.running.values())):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name, child in self.running.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("demo %s did not stop in time; killing it", name)
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        for out in self._logs:
            out.close()
