"""`chargeline demo` from a clean folder: it comes up, answers a chat, and Ctrl-C leaves nothing behind."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

BANNER_DEADLINE = 180.0  # a bound on start-up (training included), not a speed assertion
REPO = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Demo:
    """A `chargeline demo` subprocess whose output is collected line by line."""

    def __init__(self, tmp_path: Path, chargers: int = 6, ports: tuple[int, int, int] | None = None) -> None:
        self.ports = ports or (_free_port(), _free_port(), _free_port())
        self.web, ocpp, bridge = self.ports
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARGELINE_", "TWILIO_", "TELEGRAM_"))}
        env["CHARGELINE_DATA_DIR"] = str(tmp_path / "data")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "demo", "--chargers", str(chargers), "--web-port", str(self.web),
             "--ocpp-port", str(ocpp), "--bridge-port", str(bridge), "--connect-timeout", "30"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = BANNER_DEADLINE) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.process.poll() is not None:
                self._reader.join(5)
                pytest.fail(f"the demo exited with {self.process.returncode}:\n{self.output}")
            if time.monotonic() > deadline:
                self.process.kill()
                pytest.fail(f"no {text!r} within {timeout:.0f} s:\n{self.output}")
            time.sleep(0.2)

    def children(self) -> list[int]:
        pids = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            except OSError:
                continue
            if fields.get("PPid", "").strip() == str(self.process.pid):
                pids.append(int(status.parent.name))
        return pids

    def interrupt(self, sig: int = signal.SIGINT) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout=30)
        self._reader.join(5)
        return code


def chat(port: int, text: str, charger_id: str | None = None) -> dict:
    body = {"text": text, **({"charger_id": charger_id} if charger_id else {})}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/chat", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in state


@pytest.mark.slow
def test_demo_answers_a_chat_and_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    demo = Demo(tmp_path)
    demo.wait_for("Five things to try")
    assert "6/6 chargers connected" in demo.output
    assert "training the language model" in demo.output
    with urllib.request.urlopen(f"http://127.0.0.1:{demo.web}/healthz", timeout=10) as response:
        assert response.status == 200

    answer = chat(demo.web, "How do I pay?", "CP-1002")
    text = " ".join(r["text"] for r in answer["replies"]).lower()
    assert "app" in text and "card" in text

    children = demo.children()
    assert len(children) == 3  # bridge, web, simulator
    assert demo.interrupt() == 0
    assert "Traceback" not in demo.output
    assert "demo stopped" in demo.output
    assert [pid for pid in children if _alive(pid)] == []
    assert (tmp_path / "data" / "demo" / "qr-CP-1005.png").read_bytes().startswith(b"\x89PNG")


def console_login(port: int, password: str) -> urllib.request.OpenerDirector:
    """A browser logged in to the agent console as `demo` (its cookies kept)."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with browser.open(f"http://127.0.0.1:{port}/agent/login", timeout=30) as page:
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
    assert token
    form = urllib.parse.urlencode({"name": "demo", "password": password, "csrf_token": token.group(1)}).encode()
    with browser.open(f"http://127.0.0.1:{port}/agent/login", data=form, timeout=30) as page:
        assert page.url.endswith("/agent"), page.url
    return browser


def console_page(browser: urllib.request.OpenerDirector, port: int) -> str:
    """Where GET /agent lands: /agent while logged in, the login page after a logout."""
    with browser.open(f"http://127.0.0.1:{port}/agent", timeout=30) as page:
        return urllib.parse.urlparse(page.url).path


def printed_commands(output: str) -> list[str]:
    """The shell commands the banner prints for the terminal."""
    return [line.strip() for line in output.splitlines() if " chat " in line or " report " in line
            if "CHARGELINE_DATABASE_URL=" in line]


def run_printed(command: str, typed: str) -> subprocess.CompletedProcess[str]:
    """Run a printed command as a user pastes it: in a shell in the checkout, without the virtualenv activated."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CHARGELINE_", "TWILIO_", "TELEGRAM_", "VIRTUAL_ENV"))}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    return subprocess.run(["/bin/sh", "-c", command], cwd=REPO, input=typed, env=env, text=True,
                          capture_output=True, timeout=120)


@pytest.mark.slow
def test_a_second_demo_reuses_the_model_and_the_database_and_sigterm_stops_it(tmp_path: Path) -> None:
    first = Demo(tmp_path, chargers=3)
    first.wait_for("Five things to try")
    assert "writing a week of support history" in first.output
    password = re.search(r"log in as demo / (\S+)\)", first.output)
    assert password
    browser = console_login(first.web, password.group(1))
    assert first.interrupt() == 0

    # at once on the same ports: the stopped servers' connections still wait in TIME_WAIT
    second = Demo(tmp_path, chargers=3, ports=first.ports)
    second.wait_for("Five things to try")
    assert "is in use" not in second.output
    assert f"log in as demo / {password.group(1)})" in second.output  # the same login: open tabs stay logged in
    assert console_page(browser, second.web) == "/agent"
    kept = tmp_path / "data" / "demo" / "agent-password"
    assert kept.read_text().strip() == password.group(1)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "data" / "demo" / "demo.env").stat().st_mode) == 0o600

    chat_line, sms_line, voice_line, report_line = printed_commands(second.output)
    assert " chat --channel voice --url " in voice_line
    call = run_printed(voice_line, "0\n")
    assert call.returncode == 0, call.stdout + call.stderr
    assert "(says) Hello, this is charging support." in call.stdout
    assert "== transferring to the support queue" in call.stdout
    texted = run_printed(sms_line, "How do I pay?\nquit\n")
    assert texted.returncode == 0, texted.stdout + texted.stderr
    assert re.search(r"\(\d+ characters, [12] SMS segments?\)", texted.stdout), texted.stdout
    chatted = run_printed(chat_line, "quit\n")
    assert chatted.returncode == 0, chatted.stdout + chatted.stderr
    assert "Talking to ChargeLine as the web chat" in chatted.stdout

    assert "loading the language model" in second.output
    assert "training the language model" not in second.output
    assert "writing a week of support history" not in second.output
    children = second.children()
    assert len(children) == 3
    assert second.interrupt(signal.SIGTERM) == 0  # a service manager or `timeout` stops it like Ctrl-C
    assert "demo stopped" in second.output
    assert [pid for pid in children if _alive(pid)] == []
