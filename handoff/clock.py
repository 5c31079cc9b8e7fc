"""The UTC helpers live in `bot.clock`; this name stays for the modules and tests that import it from here."""

from __future__ import annotations

from bot.clock import as_utc, iso, jsonable, utcnow

__all__ = ["as_utc", "iso", "jsonable", "utcnow"]
