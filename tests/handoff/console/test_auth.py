"""Console login: right and wrong passwords, CSRF tokens, forged and expired sessions, roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from bot.runtime import Runtime
from handoff.clock import utcnow
from handoff.console.agents import disable_agent, set_password

from .conftest import PASSWORD, csrf_of, logged_in, login, make_ticket, page_token


def test_the_queue_sends_a_stranger_to_the_login_page(app: Flask) -> None:
    response = app.test_client().get("/agent")
    assert response.status_code == 302
    assert response.headers["Location"] == "/agent/login?next=/agent"


def test_a_right_password_logs_in_and_the_cookie_is_httponly_and_lax(app: Flask) -> None:
    client = app.test_client()
    response = login(client, "tina")
    assert response.status_code == 302 and response.headers["Location"] == "/agent"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    page = client.get("/agent")
    assert page.status_code == 200
    assert "tina (tier1)" in page.text


def test_a_wrong_password_or_unknown_name_is_refused_the_same_way(app: Flask) -> None:
    client = app.test_client()
    wrong = login(client, "tina", "not-the-password")
    unknown = login(client, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong name or password" in wrong.text and "Wrong name or password" in unknown.text
    assert client.get("/agent").status_code == 302


def test_login_without_the_csrf_token_is_rejected(app: Flask) -> None:
    client = app.test_client()
    client.get("/agent/login")
    response = client.post("/agent/login", data={"name": "tina", "password": PASSWORD})
    assert response.status_code == 400
    assert "without its security token" in response.text
    assert client.get("/agent").status_code == 302


def test_a_post_with_another_sessions_token_is_forbidden(app: Flask, agents: Runtime) -> None:
    ticket = make_ticket(agents)
    tina, other = logged_in(app, "tina"), logged_in(app, "tina")
    stolen = page_token(other)
    response = tina.post(f"/agent/tickets/{ticket}/resolve",
                         data={"resolution_code": "no_fault_found", "routed_right": "yes", "csrf_token": stolen})
    assert response.status_code == 403
    assert "does not match this session" in response.text
    missing = tina.post(f"/agent/tickets/{ticket}/resolve",
                        data={"resolution_code": "no_fault_found", "routed_right": "yes"})
    assert missing.status_code == 400


def test_a_forged_session_cookie_goes_back_to_the_login_page(app: Flask) -> None:
    client = app.test_client()
    client.set_cookie("session", "eyJhZ2VudCI6eyJpZCI6MX19.forged.signature", domain="localhost")
    assert client.get("/agent").status_code == 302
    # a cookie signed with another key is just as useless
    other = Flask(__name__)
    other.secret_key = "not-our-key"
    fake = other.session_interface.get_signing_serializer(other).dumps(  # type: ignore[attr-defined]
        {"agent": {"id": 1, "pwv": "x", "at": int(utcnow().timestamp())}})
    client.set_cookie("session", fake, domain="localhost")
    response = client.get("/agent")
    assert response.status_code == 302 and response.headers["Location"].startswith("/agent/login")


def test_an_expired_session_is_sent_to_log_in_again(app: Flask) -> None:
    client = logged_in(app, "tina")
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    with client.session_transaction() as session:
        data = dict(session)
    data["agent"] = {**data["agent"], "at": int((utcnow() - timedelta(hours=12, minutes=1)).timestamp())}
    client.set_cookie("session", serializer.dumps(data), domain="localhost")
    response = client.get("/agent/tickets/T-000001")
    assert response.status_code == 302
    assert response.headers["Location"] == "/agent/login?next=/agent/tickets/T-000001&expired=1"
    assert "has expired" in client.get(response.headers["Location"]).text


def test_a_disabled_agent_or_a_changed_password_ends_the_session(app: Flask, agents: Runtime) -> None:
    tina, theo = logged_in(app, "tina"), logged_in(app, "theo")
    with agents.sessions() as session, session.begin():
        disable_agent(session, "tina")
        set_password(session, "theo", "a-brand-new-one")
    assert tina.get("/agent").status_code == 302
    assert theo.get("/agent").status_code == 302
    assert login(tina, "tina").status_code == 401
    assert login(theo, "theo", "a-brand-new-one").status_code == 302


def test_logout_needs_the_token_and_ends_the_session(app: Flask) -> None:
    client = logged_in(app, "tina")
    assert client.post("/agent/logout").status_code == 400
    response = client.post("/agent/logout", data={"csrf_token": page_token(client)})
    assert response.status_code == 302
    assert client.get("/agent").status_code == 302


def test_login_only_returns_to_console_pages(app: Flask) -> None:
    client = app.test_client()
    token = csrf_of(client.get("/agent/login?next=//evil.example/x").text)
    response = client.post("/agent/login", data={"name": "tina", "password": PASSWORD, "csrf_token": token,
                                                 "next": "https://evil.example/"})
    assert response.headers["Location"] == "/agent"


def test_the_dashboard_takes_the_console_login_and_still_the_api_token(app: Flask) -> None:
    stranger = app.test_client()
    assert stranger.get("/agent/dashboard").status_code == 401
    browser = stranger.get("/agent/dashboard", headers={"Accept": "text/html,*/*"})
    assert browser.status_code == 302 and browser.headers["Location"].startswith("/agent/login")
    assert stranger.get("/agent/dashboard", headers={"Authorization": "Bearer test-token"}).status_code == 200
    assert stranger.get("/agent/dashboard", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert logged_in(app, "olga").get("/agent/dashboard").status_code == 200


def test_five_wrong_passwords_lock_the_name_for_a_while(app: Flask, agents: Runtime) -> None:
    client = app.test_client()
    assert [login(client, "tina", f"wrong-{n}").status_code for n in range(5)] == [401, 401, 401, 401, 429]
    locked = login(client, "tina")
    assert locked.status_code == 429 and "Too many wrong passwords" in locked.text
    assert login(client, "theo").status_code == 302  # other agents are not affected
    with agents.sessions() as session, session.begin():
        set_password(session, "tina", PASSWORD)  # an admin resetting the password lifts the lock
    assert login(app.test_client(), "tina").status_code == 302


def test_a_next_with_a_line_break_goes_to_the_queue_instead_of_a_500(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/agent/login?next=/agent%0d%0aSet-Cookie:%20x=1")
    assert page.status_code == 200
    response = client.post("/agent/login", data={"name": "tina", "password": PASSWORD,
                                                 "csrf_token": csrf_of(page.text),
                                                 "next": "/agent\r\nSet-Cookie: x=1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/agent"
    assert "x=1" not in response.headers.get("Set-Cookie", "")


def test_thirty_parallel_wrong_passwords_check_at_most_five_and_lock_the_name(
        agents: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from handoff.console import agents as accounts

    checked: list[str] = []
    lock = threading.Lock()
    real = accounts.check_password_hash

    def counting(password_hash: str, password: str) -> bool:
        if password_hash != accounts._DUMMY_HASH:
            with lock:
                checked.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)

    def guess(n: int) -> bool:
        with agents.sessions() as db, db.begin():
            return accounts.authenticate(db, "tina", f"wrong-{n}").locked

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(guess, range(30)))
    assert len(checked) <= accounts.LOCK_AFTER  # the rest were refused without trying the password
    with agents.sessions() as db, db.begin():
        assert accounts.authenticate(db, "tina", PASSWORD).locked  # the right password waits out the lock too


def test_a_cookie_saved_before_logout_no_longer_opens_the_console(app: Flask) -> None:
    client = logged_in(app, "tina")
    saved = client.get_cookie("session")
    assert saved is not None
    thief = app.test_client()
    thief.set_cookie("session", saved.value)
    assert thief.get("/agent").status_code == 200  # the copied cookie works while tina is logged in
    client.post("/agent/logout", data={"csrf_token": page_token(client)})
    assert thief.get("/agent").status_code == 302  # and not after she logs out
    assert login(app.test_client(), "tina").status_code == 302  # a new login right away still works
    assert logged_in(app, "tina").get("/agent").status_code == 200
