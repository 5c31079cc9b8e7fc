"""Request JSON that a stranger cannot use to crash a view: nesting is limited, and too deep is a bad request.

Python's json module recurses once per nesting level, so `[[[[...]]]]` 100,000 deep raised RecursionError
inside `request.get_json(silent=True)` (silent only covers ValueError) and became a 500. Every JSON body
the app reads goes through this provider, so a view sees None (silent) or a 400, never the crash.
"""

from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 32  # our own payloads nest 4 deep; Telegram's Updates about 6


class TooDeep(ValueError):
    """The JSON nests deeper than MAX_DEPTH."""


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing documents nested deeper than MAX_DEPTH before parsing them."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        text = s.decode("utf-8", "replace") if isinstance(s, (bytes, bytearray)) else s
        brackets = text.count("[") + text.count("{")
        if brackets > MAX_DEPTH and nesting(text) > MAX_DEPTH:  # the scan only when it could be too deep
            raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels")
        try:
            return json.loads(text, **kwargs)
        except RecursionError as exc:  # pragma: no cover - nesting() already refused it
            raise TooDeep("JSON nested too deeply") from exc


def nesting(text: str) -> int:
    """The deepest bracket nesting outside strings (a linear scan, no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
        elif char in "]}":
            depth -= 1
    return deepest
