"""The API token check: one parse of `Authorization: Bearer <token>`, compared in constant time, one 401."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Response, current_app, jsonify, request

UNAUTHORIZED = {"error": "Unauthorized", "detail": "send the API token as 'Authorization: Bearer <token>'"}
CHALLENGE = 'Bearer realm="chargeline"'  # the WWW-Authenticate header of every 401
P = ParamSpec("P")
R = TypeVar("R")


def bearer_matches(header: str | None, token: str) -> bool:
    """Whether an Authorization header carries `token` as a bearer token (scheme in any case)."""
    scheme, _, given = (header or "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                                              token.encode())


def unauthorized() -> Response:
    """The 401 of the JSON API."""
    response = jsonify(UNAUTHORIZED)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = CHALLENGE
    return response


def refuse_without_token() -> Response | None:
    """The 401 for a Flask request without this deployment's API token; None when it carries it."""
    token: str = current_app.extensions["chargeline"].api_token
    return None if bearer_matches(request.headers.get("Authorization"), token) else unauthorized()


def api_token_required(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Let a JSON API view run only for a request with the API token; anything else gets the 401."""

    @functools.wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        refused = refuse_without_token()
        return refused if refused is not None else view(*args, **kwargs)

    return checked

