"""The web process: Flask app factory and the pieces its channels share (engine, outage, proxies, JSON body).

`create_app` is loaded on first use: the channels import this package's small modules (bot.web.engine,
bot.web.outage), and the app imports every channel, so importing it here would make each channel's import
depend on the whole app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from bot.web.app import create_app

        return create_app
    raise AttributeError(name)
