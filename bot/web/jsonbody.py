"""Request JSON that a stranger cannot use to crash a view: size and nesting are limited.

Python's json module recurses once per nesting level, so `[[[[...]]]]` 100,000 deep raised RecursionError
inside `request.get_json(silent=True)` (silent only covers ValueError) and became a 500. Every JSON body
the app reads goes through this provider, so a view sees None (silent) or a 400, never the crash.

Size: the app's MAX_CONTENT_LENGTH (a view may ask for less with `body_limit`) answers 413. werkzeug
refuses a too long Content-Length itself but cuts a chunked body at the limit without a word, so the view
saw half a document (a 400, or a shorter valid one); `BoundedRequest` makes that a 413 as well.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Request, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge

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


class BoundedRequest(Request):
    """Flask's request, answering 413 for a chunked body that reaches the size limit (werkzeug cuts it short)."""

    def get_data(self, cache: bool = True, as_text: bool = False,  # type: ignore[override]
                 parse_form_data: bool = False) -> bytes | str:
        data = super().get_data(cache=cache, as_text=False, parse_form_data=parse_form_data)
        limit = self.max_content_length
        if limit is not None and self.content_length is None and len(data) >= limit:
            raise RequestEntityTooLarge(f"the body is larger than this endpoint takes ({limit} bytes)")
        return data.decode(errors="replace") if as_text else data


View = TypeVar("View", bound=Callable[..., Any])


def body_limit(max_bytes: int) -> Callable[[View], View]:
    """Refuse a body larger than `max_bytes` to this view with 413 (the app-wide limit is higher)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            request.max_content_length = max_bytes
            return view(*args, **kwargs)

        return limited  # type: ignore[return-value]

    return decorate
