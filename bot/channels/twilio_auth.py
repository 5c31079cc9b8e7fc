"""Check `X-Twilio-Signature` against the URL Twilio called (CHARGELINE_PUBLIC_URL + path)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar
from urllib.parse import urlparse

from flask import Request, Response, g, request
from twilio.request_validator import RequestValidator, get_signature_algorithm

log = logging.getLogger(__name__)
FORBIDDEN = "forbidden: bad or missing X-Twilio-Signature\n"
P = ParamSpec("P")
R = TypeVar("R")


def public_request_url(public_url: str, request: Request) -> str:
    """The URL as Twilio saw it: behind a proxy the local host, scheme and port differ."""
    base = public_url.rstrip("/")
    prefix = urlparse(base).path
    path = request.path
    if prefix and path.startswith(prefix + "/"):
        path = path[len(prefix):]
    query = request.query_string.decode("latin-1")
    return f"{base}{path}" + (f"?{query}" if query else "")


def is_signed_by_twilio(request: Request, auth_token: str | None, public_url: str) -> bool:
    """True when the request carries a valid Twilio signature for this deployment."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not auth_token:
        log.error("refusing a Twilio webhook: TWILIO_AUTH_TOKEN is not set")
        return False
    if not signature:
        return False
    algorithm = get_signature_algorithm(request.headers.get("X-Twilio-Webhooks-Signature-Settings"))
    url = public_request_url(public_url, request)
    valid = RequestValidator(auth_token).validate(url, request.form, signature, algorithm)
    if not valid:
        log.warning("refusing a Twilio webhook with a bad signature path=%s", request.path)
    return bool(valid)


def forbidden() -> Response:
    """The answer to an unsigned or wrongly signed Twilio request: 403, nothing changed."""
    return Response(FORBIDDEN, status=403, mimetype="text/plain")


def signed_for_us() -> bool:
    """Whether the current Flask request is signed by Twilio for this deployment's settings."""
    settings = g.runtime.settings
    return is_signed_by_twilio(request, settings.twilio_auth_token, settings.public_url)


def twilio_signed(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Let a webhook run only for a request Twilio signed for this deployment; anything else gets a 403."""

    @functools.wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if not signed_for_us():
            return forbidden()
        return view(*args, **kwargs)

    return checked
