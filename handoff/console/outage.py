"""The agent console while the database is unavailable: a plain page saying so, reloading itself.

The page touches neither the session nor the CSRF token: the key that signs them may be kept in the very
database that does not answer, and a cookie written now would log the agent out once it answers again.
"""

from __future__ import annotations

from flask import Flask, Response, render_template

from bot.web.outage import RETRY_AFTER_S, on_outage

CONSOLE_BLUEPRINTS = ("console", "console_chat")


def unavailable_page() -> Response:
    """503: the console is temporarily unavailable."""
    response = Response(render_template("console/unavailable.html", retry_after=RETRY_AFTER_S), status=503,
                        mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def register(app: Flask) -> None:
    """Answer the console's pages with the unavailable page during a database outage."""
    for name in CONSOLE_BLUEPRINTS:
        on_outage(app, name, unavailable_page)
