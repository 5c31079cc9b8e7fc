"""The web process through a database outage: it starts, answers every channel without a 500, and recovers.

"Down" is real: a PostgreSQL URL on a local port nothing listens on, a SQLite file whose folder cannot be made
(a plain file stands where the folder should be), or a real TCP proxy in front of PostgreSQL that is stopped.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from bot.app.tables import load_all_models
from bot.config import Settings
from bot.db import make_engine
from bot.migrate import upgrade
from bot.services import services
from bot.web import create_app
from tests.support.tcp_proxy import TCPProxy, closed_port
from tests.support.twilio import AUTH_TOKEN, PUBLIC_URL, Call, TwilioClient

AGENT_PHONE = "+4930555000111"
TELEGRAM_SECRET = "telegram-secret"


def outage_settings(database_url: str, tmp_path: Path, **extra: object) -> Settings:
    load_all_models()
    return Settings(database_url=database_url, data_dir=tmp_path / "data", twilio_auth_token=AUTH_TOKEN,
                    public_url=PUBLIC_URL, agent_phone=AGENT_PHONE, telegram_bot_token="123:abc",
                    telegram_webhook_secret=TELEGRAM_SECRET, **extra)  # type: ignore[arg-type]


@pytest.fixture(params=["postgres-closed-port", "sqlite-folder-blocked"])
def down_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL that cannot be reached."""
    if request.param == "postgres-closed-port":
        return f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/chargeline"
    (tmp_path / "blocker").write_text("a file where the database's folder should be")
    return f"sqlite:///{tmp_path / 'blocker' / 'db' / 'chargeline.db'}"


@pytest.fixture
def down_app(down_url: str, tmp_path: Path) -> Flask:
    return create_app(outage_settings(down_url, tmp_path))


def test_the_app_starts_while_the_database_is_unreachable_with_one_warning_and_no_traceback(
        down_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        app = create_app(outage_settings(down_url, tmp_path))
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in warnings] == ["bot.runtime"]
    assert warnings[0].getMessage().startswith("database unreachable at start (")
    assert warnings[0].exc_info is None
    assert app.extensions["chargeline"].ready is False


def test_health_reports_the_database_down_with_503(down_app: Flask) -> None:
    response = down_app.test_client().get("/healthz")
    assert (response.status_code, response.get_json()) == (503, {"status": "degraded", "database": "unreachable"})


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/tickets"), ("GET", "/api/tickets/T-000001"), ("GET", "/api/incidents"),
    ("GET", "/api/chargers/CP-1042"), ("POST", "/api/chargers/CP-1042/commands"), ("POST", "/api/chat"),
])
def test_every_json_api_answers_503_with_retry_after(down_app: Flask, method: str, path: str) -> None:
    response = down_app.test_client().open(path, method=method, json={"action": "Reset", "text": "hello"},
                                           headers={"Authorization": "Bearer whatever"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert response.get_json()["error"] == "Service Unavailable"
    assert b"Traceback" not in response.data


def test_the_web_chat_gets_a_friendly_json_error(down_app: Flask) -> None:
    response = down_app.test_client().post("/api/chat", json={"text": "the charger won't start"})
    assert response.status_code == 503
    assert response.get_json() == {"error": "Service Unavailable",
                                   "detail": "our support system is having trouble for a moment; nothing was saved"}


def test_the_chat_page_itself_still_loads(down_app: Flask) -> None:
    response = down_app.test_client().get("/chat")
    assert response.status_code == 200
    assert b"<main class=\"chat\"" in response.data


def test_a_call_goes_straight_to_the_agent_number_on_every_voice_url(down_app: Flask) -> None:
    twilio = TwilioClient(down_app.test_client())
    for path in ("/twilio/voice/fallback", "/twilio/voice", "/twilio/voice/turn?n=1", "/twilio/voice/wait?n=1&w=1"):
        call = Call(twilio)
        call._follow(twilio.post(path, call.params(SpeechResult="my charger won't start")))
        assert call.said == ["Sorry, I'm having trouble right now. I'll put you through to a colleague."], path
        assert call.transferred_to == {"dial": AGENT_PHONE, "whisper": None, "action": None}, path


def test_an_unsigned_call_is_still_refused(down_app: Flask) -> None:
    twilio = TwilioClient(down_app.test_client())
    for path in ("/twilio/voice/fallback", "/twilio/voice", "/twilio/sms"):
        assert twilio.post(path, {"CallSid": "CA1", "From": "+4915112345789"}, sign=False).status_code == 403


def test_an_sms_gets_a_twiml_apology(down_app: Flask) -> None:
    response = TwilioClient(down_app.test_client()).sms("+4915112345789", "charger CP-1042 won't start")
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    assert [m.text for m in root.iter("Message")] == [
        "Sorry, our support system is having trouble and could not take your message. Please send it again in a "
        "few minutes, or call the number on the charger to reach a person."]


def test_telegram_gets_the_apology_as_the_webhook_answer(down_app: Flask) -> None:
    client = down_app.test_client()
    update = {"update_id": 7, "message": {"message_id": 1, "date": 0, "chat": {"id": 4242, "type": "private"},
                                          "text": "help"}}
    wrong = client.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
    right = client.post("/telegram/webhook", json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert wrong.status_code == 403
    assert right.status_code == 200
    body = right.get_json()
    assert (body["method"], body["chat_id"]) == ("sendMessage", 4242)
    assert body["text"].startswith("Sorry, our support system is having trouble")


def test_the_console_login_page_says_temporarily_unavailable_without_a_cookie(down_app: Flask) -> None:
    client = down_app.test_client()
    for path in ("/agent/login", "/agent", "/agent/tickets/T-000001"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.mimetype == "text/html"
        assert b"Temporarily unavailable" in response.data
        assert "Set-Cookie" not in response.headers
    posted = client.post("/agent/login", data={"name": "ana", "password": "secret"})
    assert posted.status_code == 503


def test_the_app_finishes_its_start_when_the_sqlite_folder_can_be_made(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("in the way")
    app = create_app(outage_settings(f"sqlite:///{tmp_path / 'blocker' / 'db' / 'cl.db'}", tmp_path),
                     start_retry_s=0)
    client = app.test_client()
    assert client.get("/api/tickets", headers={"Authorization": "Bearer x"}).status_code == 503
    (tmp_path / "blocker").unlink()
    assert client.get("/healthz").status_code == 200
    token = app.extensions["chargeline"].api_token  # generated and kept in the database once it answered
    assert client.get("/api/tickets", headers={"Authorization": "Bearer x"}).status_code == 401
    ok = client.get("/api/tickets", headers={"Authorization": f"Bearer {token}"})
    assert (ok.status_code, ok.get_json()) == (200, {"tickets": [], "next": None})
    assert app.secret_key == app.extensions["chargeline"].secret_key


# PostgreSQL behind a real TCP proxy: stop it and the database is gone, start it and it is back.


@pytest.fixture
def proxied(database_url: str) -> Iterator[tuple[str, TCPProxy]]:
    """The test's PostgreSQL schema (migrated) reached through a proxy that is not yet started."""
    real = make_url(database_url)
    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    proxy = TCPProxy((real.host or "127.0.0.1", real.port or 5432), port=closed_port())
    yield real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), proxy
    proxy.stop()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgresql_returning_ends_the_outage_without_a_restart(proxied: tuple[str, TCPProxy],
                                                                 tmp_path: Path) -> None:
    url, proxy = proxied
    app = create_app(outage_settings(url, tmp_path, api_token="token"), start_retry_s=0)
    client = app.test_client()
    auth = {"Authorization": "Bearer token"}
    assert client.get("/api/tickets", headers=auth).status_code == 503
    proxy.start()
    assert client.get("/api/tickets", headers=auth).status_code == 200
    proxy.stop()  # the database drops while running
    dropped = client.get("/api/tickets", headers=auth)
    assert (dropped.status_code, dropped.headers["Retry-After"]) == (503, "10")
    assert client.get("/api/incidents", headers=auth).status_code == 503
    assert client.get("/healthz").status_code == 503
    proxy.start()
    assert client.get("/api/tickets", headers=auth).status_code == 200
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_live_call_whose_database_drops_reaches_an_agent(proxied: tuple[str, TCPProxy], tmp_path: Path,
                                                           trained_nlu) -> None:  # type: ignore[no-untyped-def]
    from bot.conversation.factory import build_engine

    url, proxy = proxied
    proxy.start()
    app = create_app(outage_settings(url, tmp_path, api_token="token"))
    engine = build_engine(app.extensions["chargeline"], nlu=trained_nlu, freeze_gc=False)
    services(app).engine = engine
    call = Call(TwilioClient(app.test_client()))
    call.start()
    call.say("the charger won't start")
    assert call.next_url is not None and call.transferred_to is None  # the bot is talking with the caller
    proxy.stop()
    said = call.say("it is the one at the depot")
    assert said == ["Sorry, I'm having trouble right now. I'll put you through to a colleague."]
    assert call.transferred_to == {"dial": AGENT_PHONE, "whisper": None, "action": None}


# The served process, as an operator starts it: `chargeline web` and gunicorn on bot.web.wsgi.


def _serve_env(tmp_path: Path, port: int) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARGELINE_", "TWILIO_", "TELEGRAM_"))}
    env.update(CHARGELINE_DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/chargeline",
               CHARGELINE_DATA_DIR=str(tmp_path / "data"), CHARGELINE_WEB_PORT=str(port),
               CHARGELINE_PUBLIC_URL=PUBLIC_URL, CHARGELINE_AGENT_PHONE=AGENT_PHONE, TWILIO_AUTH_TOKEN=AUTH_TOKEN)
    return env


def _first_answer(port: int, path: str, timeout: float = 60) -> tuple[int, bytes]:
    """Poll until the process listens; then the status and body of GET `path`."""
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _signed_fallback(port: int) -> tuple[int, bytes]:
    import urllib.error
    import urllib.parse
    import urllib.request

    from twilio.request_validator import RequestValidator

    params = {"CallSid": "CA" + "1" * 32, "From": "+4915112345789", "To": "+4930111222"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC_URL}/twilio/voice/fallback", params)
    request = urllib.request.Request(f"http://127.0.0.1:{port}/twilio/voice/fallback",
                                     data=urllib.parse.urlencode(params).encode(),
                                     headers={"X-Twilio-Signature": signature})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read()


@pytest.mark.slow
@pytest.mark.parametrize("server", ["chargeline web", "gunicorn"])
def test_the_served_process_starts_without_the_database_and_transfers_calls(server: str, tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    from tests.bot.test_cli import _free_port

    port = _free_port()
    args = (["-m", "bot.cli", "web"] if server == "chargeline web"
            else ["-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "bot.web.wsgi:app"])
    process = subprocess.Popen([sys.executable, *args], env=_serve_env(tmp_path, port), cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        health = _first_answer(port, "/healthz")
        fallback = _signed_fallback(port)
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert health == (503, b'{"database":"unreachable","status":"degraded"}\n')
    root = ET.fromstring(fallback[1])
    assert fallback[0] == 200
    assert [n.text for n in root.iter("Number")] == [AGENT_PHONE]
    assert "Traceback" not in err
    assert err.count("database unreachable at start") == 1


@pytest.mark.slow
def test_serve_keeps_the_web_process_through_an_outage_and_starts_the_bridge_when_it_ends(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    from tests.bot.test_cli import _free_port, clean_env

    port, bridge_port = _free_port(), _free_port()
    (tmp_path / "blocker").write_text("in the way")
    env = clean_env(tmp_path, CHARGELINE_WEB_PORT=str(port), CHARGELINE_OCPP_PORT=str(_free_port()),
                    CHARGELINE_BRIDGE_PORT=str(bridge_port), CHARGELINE_BRIDGE_URL=f"http://127.0.0.1:{bridge_port}",
                    CHARGELINE_DATABASE_URL=f"sqlite:///{tmp_path / 'blocker' / 'db' / 'cl.db'}")
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        during = _first_answer(port, "/healthz")
        (tmp_path / "blocker").unlink()
        deadline = time.monotonic() + 60
        after = _first_answer(port, "/healthz")
        while after[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
            after = _first_answer(port, "/healthz")
        bridge = _first_answer(bridge_port, "/nope")  # the bridge's control API listens again
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert during[0] == 503, err
    assert after == (200, b'{"database":"ok","status":"ok"}\n'), err
    assert bridge[0] in (401, 404), err
    assert "bridge exited with code 2 while the database is unavailable" in err
    assert "the database answers again; starting bridge" in err
    assert "Traceback" not in err, err
    assert process.returncode == 0, err
