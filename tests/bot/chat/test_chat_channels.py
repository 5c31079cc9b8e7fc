"""`chargeline chat --channel sms|whatsapp|voice` as a user runs it: the real webhooks, their TwiML shown."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bot.channels.sms import segments
from ivr import prompts

pytestmark = pytest.mark.slow
START_DEADLINE = 60.0  # a bound on the web process's start, not a speed assertion


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def env(trained_nlu: Any, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A clean environment on a fresh database, with the session's trained model (so nothing trains again)."""
    cached = next(p for p in tmp_path_factory.getbasetemp().glob("trained-nlu*") if (p / "models").is_dir())
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CHARGELINE_", "TWILIO_", "TELEGRAM_"))}
    return {**clean, "CHARGELINE_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
            "CHARGELINE_DATA_DIR": str(cached), "CHARGELINE_SECRET_KEY": "test-secret-key",
            "CHARGELINE_API_TOKEN": "test-token", "CHARGELINE_BRIDGE_URL": f"http://127.0.0.1:{_free_port()}"}


def chat(env: dict[str, str], typed: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", "chat", *args], input=typed, env=env, text=True,
                          capture_output=True, timeout=120)


def bodies(stdout: str) -> list[tuple[str, int]]:
    """Each text shown, with the segment count printed under it."""
    answers = (re.match(r"(.*?)\n  \(\d+ characters, (\d+) SMS segments?\)", a, re.S) for a in stdout.split("you> "))
    return [(m.group(1), int(m.group(2))) for m in answers if m]


def test_sms_shows_the_text_a_driver_gets_cut_to_two_segments_with_a_link(env: dict[str, str]) -> None:
    result = chat(env, "There's smoke coming out of the charger\nquit\n", "--channel", "sms", "--from", "+447700900123")
    assert result.returncode == 0, result.stderr
    assert "Texting ChargeLine by SMS from +447700900123" in result.stdout
    [(body, count)] = bodies(result.stdout)
    assert "step away from the charger" in body
    assert "... More: http://localhost:8000/chat" in body  # cut, with the link to the web chat
    assert count == segments(body) == 2
    assert " INFO " not in result.stdout + result.stderr  # logs stay out of the conversation


def test_whatsapp_gets_the_fuller_text_with_its_link(env: dict[str, str]) -> None:
    result = chat(env, "How do I pay?\n", "--channel", "whatsapp")
    assert result.returncode == 0, result.stderr
    assert "Texting ChargeLine by WhatsApp" in result.stdout
    assert "http://localhost:8000/kb/" in result.stdout
    assert "SMS segment" not in result.stdout


def test_a_silent_caller_is_reprompted_twice_then_put_through(env: dict[str, str]) -> None:
    result = chat(env, "\n\n\nnever read\n", "--channel", "voice")
    assert result.returncode == 0, result.stderr
    said = [line.removeprefix("you> ") for line in result.stdout.splitlines()]
    assert said == [
        "Calling ChargeLine. Type what you would say; digits (and * or #) are keypad presses; an empty line is "
        "silence; 'quit' hangs up.",
        f"(says) {prompts.GREETING}",
        f"(says) {prompts.REPROMPTS[0]}",
        f"(says) {prompts.REPROMPTS[1]}",
        f"(says) {prompts.NO_INPUT_TRANSFER}",
        "(says) Please hold. A colleague will be with you shortly.",
        "  == transferring to the support queue; the call ends here in the terminal ==",
    ]
    assert " INFO " not in result.stderr


def test_a_caller_speaks_then_keys_in_zero_for_a_person(env: dict[str, str]) -> None:
    result = chat(env, "my charger won't start\n0\n", "--channel", "voice")
    assert result.returncode == 0, result.stderr
    assert "(says) Which charger are you at?" in result.stdout
    assert result.stdout.rstrip().endswith("== transferring to the support queue; the call ends here in the terminal ==")


@pytest.fixture
def web(env: dict[str, str], tmp_path: Path):  # type: ignore[no-untyped-def]
    """`chargeline web` on a free port with a Twilio token of its own."""
    port = _free_port()
    web_env = {**env, "CHARGELINE_WEB_PORT": str(port), "CHARGELINE_PUBLIC_URL": f"http://127.0.0.1:{port}",
               "TWILIO_AUTH_TOKEN": "local-demo-token"}
    with (tmp_path / "web.log").open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "web"], env=web_env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_DEADLINE
        while True:
            assert process.poll() is None, (tmp_path / "web.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "web.log").read_text()
                time.sleep(0.2)
        yield web_env
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_voice_flow_runs_on_a_running_web_process(web: dict[str, str]) -> None:
    url = web["CHARGELINE_PUBLIC_URL"]
    result = chat(web, "0\n", "--channel", "voice", "--url", url)
    assert result.returncode == 0, result.stderr
    assert f"(says) {prompts.GREETING}" in result.stdout
    assert "== transferring to the support queue" in result.stdout
    assert "loading the language model" not in result.stderr  # the web process answers, not this command

    wrong = chat({**web, "TWILIO_AUTH_TOKEN": "not-the-token"}, "0\n", "--channel", "voice", "--url", url)
    assert wrong.returncode == 1
    assert "error: the web process refused the signature (403)" in wrong.stdout
    assert "(says)" not in wrong.stdout
