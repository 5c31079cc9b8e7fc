"""The websocket handshake: path check, the charger's security profile (tls.py), HTTP Basic auth per charger."""

from __future__ import annotations

import base64
import binascii
import http
import logging
import re
from urllib.parse import unquote

from sqlalchemy.orm import Session, sessionmaker
from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from bot.appstate import get_value
from bot.fleet.loader import check_password
from bot.fleet.models import Charger
from ocpp_bridge import tls
from ocpp_bridge.core import Core

log = logging.getLogger(__name__)

_PATH = re.compile(r"^/ocpp/([^/?#]{1,64})/?(?:\?.*)?$")
_ID = re.compile(r"^[A-Za-z0-9*._:\-]{1,64}$")


def charger_id_from_path(path: str) -> str | None:
    """The charge point id in `/ocpp/{id}`, or None for any other path."""
    match = _PATH.match(path)
    if not match:
        return None
    charger_id = unquote(match.group(1))
    return charger_id if _ID.match(charger_id) else None


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def _lookup(sessions: sessionmaker[Session], charger_id: str) -> tuple[bool, str | None, bool, int | None]:
    """(known, password hash, auto_accept, security profile) for a charger id."""
    with sessions() as session:
        charger = session.get(Charger, charger_id)
        auto = (get_value(session, "fleet.auto_accept") or "").lower() == "true"
        if charger is None:
            return False, None, auto, None
        return True, charger.password_hash, auto, charger.security_profile


def make_process_request(core: Core, sessions: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    """Build the `process_request` hook that admits or rejects a charger before the upgrade."""

    async def process_request(connection: ServerConnection, request: Request) -> Response | None:
        charger_id = charger_id_from_path(request.path)
        if charger_id is None:
            log.warning("rejected websocket path %r (expected /ocpp/{charge_point_id})", request.path[:100])
            return connection.respond(http.HTTPStatus.NOT_FOUND, "Connect to /ocpp/{charge_point_id}\n")
        known, password_hash, auto_accept, profile = await core.db(_lookup, sessions, charger_id)
        if not known and not auto_accept:
            log.warning("charger=%s rejected: not in the fleet", charger_id)
            return connection.respond(http.HTTPStatus.NOT_FOUND, "Unknown charge point\n")
        over_tls, common_name = tls.peer(connection)
        problem = tls.refusal(charger_id, profile, over_tls, common_name)
        if problem is not None:
            log.warning("charger=%s rejected: %s", charger_id, problem)
            return connection.respond(http.HTTPStatus.FORBIDDEN, f"{problem}\n")
        if not password_hash or common_name is not None:  # profile 3: the certificate is the credential
            return None
        credentials = _basic_credentials(request.headers.get("Authorization"))
        if credentials is None or credentials[0] != charger_id or not check_password(password_hash, credentials[1]):
            log.warning("charger=%s rejected: %s", charger_id,
                        "no basic auth" if credentials is None else "wrong user or password")
            response = connection.respond(http.HTTPStatus.UNAUTHORIZED, "Authentication required\n")
            response.headers["WWW-Authenticate"] = 'Basic realm="ocpp", charset="UTF-8"'
            return response
        return None

    return process_request
