"""Check `X-Twilio-Signature` against the URL Twilio called (CHARGELINE_PUBLIC_URL + path)."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from flask import Request
from twilio.request_validator import RequestValidator, get_signature_algorithm

log = logging.getLogger(__name__)


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
