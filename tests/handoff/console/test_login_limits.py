"""Console login limits: unknown names answer like real ones, addresses lock too, a new password ends sessions."""

from __future__ import annotations

import dataclasses
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.config import Rate
from bot.runtime import Runtime
from bot.web import create_app
from handoff.clock import utcnow
from handoff.console import agents as accounts
from handoff.console.agents import authenticate, find_agent, set_password

from .conftest import PASSWORD, logged_in, login


def client_from(app: Flask, address: str, forwarded: str | None = None) -> FlaskClient:
    """A browser at `address` (behind a proxy that says `forwarded`, when given)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if forwarded is not None:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded
    return client


def _page(html: str, name: str) -> str:
    return re.sub(r'"[A-Za-z0-9_-]{43}"', '"TOKEN"', html.replace(f'value="{name}"', 'value="NAME"'))


def app_with(runtime: Runtime, **settings: object) -> Flask:
    """The real app on the same database, with some settings changed."""
    app = create_app(runtime=dataclasses.replace(runtime, settings=runtime.settings.replace(**settings)))
    app.config["TESTING"] = True
    return app


def test_an_unknown_name_gets_the_same_answers_as_a_real_one_and_locks_after_five(app: Flask) -> None:
    real = [login(app.test_client(), "tina", f"wrong-{n}") for n in range(6)]
    unknown = [login(app.test_client(), "tom", f"wrong-{n}") for n in range(6)]
    assert [r.status_code for r in real] == [r.status_code for r in unknown] == [401, 401, 401, 401, 429, 429]
    for mine, theirs in zip(real, unknown, strict=True):  # the same page, but for the name and the CSRF token
        assert _page(mine.text, "tina") == _page(theirs.text, "tom")
    assert "Too many wrong passwords" in unknown[-1].text and "this name" not in unknown[-1].text
    assert login(app.test_client(), "theo").status_code == 302  # other names are not affected


def test_an_unknown_name_checks_a_hash_as_often_as_a_real_one(agents: Runtime, monkeypatch: pytest.MonkeyPatch) \
        -> None:
    checked: list[str] = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: checked.append(p) or real(h, p))
    for name in ("tina", "tom", "no spaces allowed"):
        checked.clear()
        with agents.sessions() as db, db.begin():
            results = [authenticate(db, name, f"wrong-{n}").locked for n in range(7)]
        assert results == [False, False, False, False, True, True, True], name
        assert len(checked) == accounts.LOCK_AFTER, name  # a locked name checks nothing, known or not


def test_a_locked_unknown_name_waits_as_long_as_a_real_one(agents: Runtime) -> None:
    start = utcnow()
    with agents.sessions() as db, db.begin():
        for name in ("tina", "tom"):
            assert [authenticate(db, name, "wrong-pass", now=start).locked for _ in range(5)][-1]
    for name, password in (("tina", PASSWORD), ("tom", "any-password")):
        with agents.sessions() as db, db.begin():
            assert authenticate(db, name, password, now=start + accounts.LOCK_FOR - timedelta(seconds=1)).locked
    with agents.sessions() as db, db.begin():
        assert not authenticate(db, "tom", "any-password", now=start + accounts.LOCK_FOR).locked
        assert authenticate(db, "tina", PASSWORD, now=start + accounts.LOCK_FOR).agent is not None


def test_thirty_parallel_guesses_at_an_unknown_name_check_at_most_five_hashes(
        agents: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    lock = threading.Lock()
    real = accounts.check_password_hash

    def counting(password_hash: str, password: str) -> bool:
        with lock:
            checked.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)

    def guess(n: int) -> bool:
        with agents.sessions() as db, db.begin():
            return authenticate(db, "nobody", f"wrong-{n}").locked

    with ThreadPoolExecutor(max_workers=10) as pool:
        locked = list(pool.map(guess, range(30)))
    assert len(checked) <= accounts.LOCK_AFTER and locked.count(True) >= 30 - accounts.LOCK_AFTER


def test_twenty_wrong_logins_from_one_address_lock_that_address(app: Flask) -> None:
    attacker = client_from(app, "203.0.113.7")
    answers = [login(attacker, f"guess-{n}", "wrong-pass").status_code for n in range(20)]  # 1 try per name
    assert answers == [401] * 19 + [429]
    refused = login(attacker, "tina")  # even the right password, from there
    assert refused.status_code == 429 and "Too many wrong passwords" in refused.text
    assert login(client_from(app, "203.0.113.8"), "tina").status_code == 302  # another address logs in
    assert login(app.test_client(), "tina").status_code == 302  # loopback is never counted


def test_the_address_lock_ends_after_its_window(agents: Runtime) -> None:
    start, limit = utcnow(), Rate(3, 600.0)
    with agents.sessions() as db, db.begin():
        tries = [authenticate(db, f"guess-{n}", "wrong-pass", address="203.0.113.7", address_limit=limit,
                              now=start).locked for n in range(4)]
        assert tries == [False, False, True, True]
        assert authenticate(db, "tina", PASSWORD, address="203.0.113.7", address_limit=limit,
                            now=start + timedelta(seconds=599)).locked
        assert authenticate(db, "tina", PASSWORD, address="203.0.113.7", address_limit=limit,
                            now=start + timedelta(seconds=600)).agent is not None


def test_right_passwords_from_one_office_address_do_not_add_up(agents: Runtime) -> None:
    limit = Rate(3, 600.0)
    for _ in range(10):  # ten agents behind one office NAT, each logging in
        with agents.sessions() as db, db.begin():
            assert authenticate(db, "tina", PASSWORD, address="198.51.100.1", address_limit=limit).agent


def test_the_address_limit_can_be_off(agents: Runtime) -> None:
    app = app_with(agents, login_address_limit=None)
    attacker = client_from(app, "203.0.113.7")
    assert {login(attacker, f"guess-{n}", "wrong-pass").status_code for n in range(25)} == {401}


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(agents: Runtime) -> None:
    direct = app_with(agents, login_address_limit=Rate(3, 900.0))
    rotating = [login(client_from(direct, "203.0.113.7", f"192.0.2.{n}"), f"g-{n}", "wrong-pass").status_code
                for n in range(4)]
    assert rotating == [401, 401, 429, 429]  # a made-up X-Forwarded-For changes nothing without a proxy
    proxied = app_with(agents, login_address_limit=Rate(3, 900.0), trusted_proxies=1)
    behind = [login(client_from(proxied, "10.0.0.2", "198.51.100.9"), f"h-{n}", "wrong-pass").status_code
              for n in range(3)]
    assert behind == [401, 401, 429]
    assert login(client_from(proxied, "10.0.0.2", "198.51.100.10"), "tina").status_code == 302  # the proxy itself
    # is not locked: each driver behind it counts alone


def test_a_new_password_ends_every_session_on_the_server(app: Flask, agents: Runtime) -> None:
    first, second = logged_in(app, "tina"), logged_in(app, "tina")
    with agents.sessions() as db, db.begin():
        set_password(db, "tina", "a-brand-new-one")
    with agents.sessions() as db:
        agent = find_agent(db, "tina")
        assert agent is not None and agent.sessions_since is not None
    assert first.get("/agent").status_code == 302 and second.get("/agent").status_code == 302
    assert login(app.test_client(), "tina").status_code == 401  # the old password no longer works
    assert login(app.test_client(), "tina", "a-brand-new-one").status_code == 302
