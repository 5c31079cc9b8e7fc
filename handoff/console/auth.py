"""Console login: a signed Flask session cookie that names the agent, expires, and carries a CSRF token.

The cookie is signed with the runtime's secret key (CHARGELINE_SECRET_KEY, else one generated once and kept in
the database, so sessions survive restarts and work across workers). It holds the agent's id, when they logged
in and a fingerprint of their password hash: a forged or tampered cookie fails the signature, an old one fails
the lifetime check, a changed password or a disabled agent ends every session at the next request.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any
from urllib.parse import quote

from flask import current_app, g, redirect, render_template, request, session, url_for

from bot.web.proxies import limit_key
from handoff.clock import as_utc, utcnow
from handoff.console.agents import LoginResult, authenticate, password_version
from handoff.console.models import ROLE_TIERS, ROLES, Agent

SESSION_LIFETIME = timedelta(hours=12)
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class AgentIdentity:
    """The logged-in agent, as the views need them."""

    id: int
    name: str
    role: str

    @property
    def tiers(self) -> tuple[str, ...]:
        """The ticket tiers this agent sees and acts on."""
        return ROLE_TIERS.get(self.role, ())

    @property
    def requested_by(self) -> str:
        """How the bridge's audit log names this agent."""
        return f"agent:{self.name}"

    def may_act_on(self, tier: str) -> bool:
        """Whether a ticket of `tier` is this agent's to see and work."""
        return tier in self.tiers


def lifetime() -> timedelta:
    """How long a login lasts (CONSOLE_SESSION_LIFETIME in the app config, 12 hours by default)."""
    value = current_app.config.get("CONSOLE_SESSION_LIFETIME", SESSION_LIFETIME)
    return value if isinstance(value, timedelta) else SESSION_LIFETIME


def attempt_login(name: str, password: str) -> LoginResult:
    """Check a login from this request's client, counted against the name and the client's address."""
    if not name or not password:
        return LoginResult(None)
    runtime = current_app.extensions["chargeline"]
    with runtime.sessions() as db, db.begin():
        return authenticate(db, name, password, address=limit_key(request.remote_addr, request.headers),
                            address_limit=runtime.settings.login_address_limit)


def log_in(agent: Agent) -> None:
    """Start a fresh session for `agent` (a new CSRF token too, so a token seen before login is useless)."""
    session.clear()
    session.permanent = True
    now = utcnow().timestamp()  # "at" whole seconds for the lifetime, "t" exact, against a later logout
    session["agent"] = {"id": agent.id, "pwv": password_version(agent), "at": int(now), "t": now}
    session["csrf"] = secrets.token_urlsafe(32)


def log_out() -> None:
    """Forget the agent here, and end every session of theirs on the server (a saved cookie stops working)."""
    data = session.get("agent")
    session.clear()
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return
    with current_app.extensions["chargeline"].sessions() as db, db.begin():
        agent = db.get(Agent, data["id"])
        if agent is not None:
            agent.sessions_since = utcnow()


def current_agent() -> AgentIdentity | None:
    """The agent this request's session names, if the session is still valid; else None (and `g.expired`)."""
    if "console_agent" in g:
        return g.console_agent  # type: ignore[no-any-return]
    g.console_agent, g.expired = None, False
    data = session.get("agent")
    if not isinstance(data, dict) or not isinstance(data.get("id"), int) or not isinstance(data.get("at"), int):
        return None
    if utcnow().timestamp() - data["at"] > lifetime().total_seconds():
        g.expired = True
        session.clear()
        return None
    with current_app.extensions["chargeline"].sessions() as db:
        agent = db.get(Agent, data["id"])
        valid = (agent is not None and agent.active and agent.role in ROLES
                 and hmac.compare_digest(str(data.get("pwv", "")), password_version(agent))
                 and (agent.sessions_since is None
                      or float(data.get("t") or data["at"]) > as_utc(agent.sessions_since).timestamp()))
        if not valid or agent is None:
            session.clear()
            return None
        g.console_agent = AgentIdentity(agent.id, agent.name, agent.role)
    return g.console_agent  # type: ignore[no-any-return]


def csrf_token() -> str:
    """This session's CSRF token (made on first use); every console form and fetch sends it back."""
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_problem() -> tuple[int, str] | None:
    """None when a POST carries this session's CSRF token; else the status and what went wrong."""
    given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
    expected = session.get("csrf")
    if not given:
        return 400, "The form was sent without its security token."
    if not isinstance(expected, str) or not hmac.compare_digest(given, expected):
        return 403, "The form's security token does not match this session (it may be from an old page)."
    return None


def error_page(status: int, title: str, detail: str) -> Any:
    """A plain console page for a refused request (never a stack trace)."""
    return render_template("console/error.html", title=title, detail=detail, agent=g.get("console_agent")), status


def login_redirect() -> Any:
    """Send the browser to the login page, coming back here afterwards."""
    target = request.full_path if request.method == "GET" else request.path
    args = f"?next={quote(target.rstrip('?'), safe='/?=&')}"
    if g.get("expired"):
        args += "&expired=1"
    return redirect(url_for("console.login") + args)


def safe_next(value: str | None) -> str:
    """Where to go after logging in: only a console path on this site, never another host."""
    if value and value.startswith("/agent") and not value.startswith("//") and "\\" not in value \
            and not any(ord(c) < 32 or ord(c) == 127 for c in value):  # no CR/LF: a header never splits
        return value
    return url_for("console.queue")


def login_required(roles: Iterable[str] | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let the view run for a logged-in agent (of one of `roles`, if given); redirect others to log in."""
    allowed = tuple(roles) if roles is not None else ROLES

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            agent = current_agent()
            if agent is None:
                return login_redirect()
            if agent.role not in allowed:
                return error_page(403, "Not for your role",
                                  f"This page is for {', '.join(allowed)}; you are logged in as {agent.role}.")
            return view(*args, **kwargs)

        return guarded

    return decorate
