"""Relay mode: the bridge in front of the operator's own CSMS, one upstream connection per charger.

The handshake is decided upstream: when a charger knocks, the CSMS is dialled with the charger's own subprotocols
and credentials (or those the fleet file configures for it) before the charger is answered; the subprotocol the
CSMS picks is the one the charger gets, and a refusal (401, 404, ...) is answered to the charger as the CSMS gave
it. A charger the fleet file does not list is relayed all the same. relay_link.py then passes the frames.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import gc
import http
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from sqlalchemy.orm import Session, sessionmaker
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHandshake, InvalidStatus
from websockets.headers import parse_subprotocol
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from bot.config import Settings
from bot.fleet.loader import check_password
from bot.fleet.models import Charger
from ocpp_bridge.auth import _basic_credentials, charger_id_from_path
from ocpp_bridge.core import Core
from ocpp_bridge.relay_link import Dial, RelayLink

log = logging.getLogger(__name__)

KNOWN = ("ocpp2.0.1", "ocpp1.6")
_MIRRORED = ("WWW-Authenticate", "Content-Type", "Retry-After")  # what a charger may act on in a refusal


@dataclass(frozen=True)
class RelayConfig:
    """Where chargers' frames go and how the relay behaves when the CSMS is away."""

    upstream: str | None = None  # ws(s)://host:port/path; the charger id is appended
    ca_file: Path | None = None
    on_upstream_loss: str = "close"  # close | hold
    open_timeout: float = 10.0  # seconds to reach the CSMS during a charger's handshake
    turn_wait: float = 10.0  # seconds a command of ours waits for the CSMS's CALL to the charger to be answered
    max_frame: int = 1024 * 1024  # the relay passes what the CSMS and charger agree on; this only bounds memory


def relay_config(settings: Settings) -> RelayConfig | None:
    """The relay's configuration when CHARGELINE_BRIDGE_MODE=relay, else None."""
    if settings.bridge_mode != "relay":
        return None
    return RelayConfig(settings.relay_upstream, settings.relay_ca_file, settings.relay_on_upstream_loss)


class Route(NamedTuple):
    url: str | None
    password: str | None  # presented upstream instead of the charger's own credentials
    password_hash: str | None  # the charger's own password at the relay (checked only when `password` is set)


def _route(sessions: sessionmaker[Session], charger_id: str) -> Route:
    with sessions() as session:
        charger = session.get(Charger, charger_id)
        if charger is None:
            return Route(None, None, None)
        return Route(charger.upstream_url, charger.upstream_password, charger.password_hash)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _mirror(connection: ServerConnection, refusal: Response) -> Response:
    """The CSMS's refusal of the upgrade, as the charger's answer."""
    try:
        status = http.HTTPStatus(refusal.status_code)
    except ValueError:
        status = http.HTTPStatus.BAD_GATEWAY
    response = connection.respond(status, "")
    headers = Headers(response.headers)
    for name in (*_MIRRORED, "Content-Length"):
        if name in headers and (name == "Content-Length" or name in refusal.headers):
            del headers[name]  # Headers keeps every value set: remove ours before copying theirs
        for value in refusal.headers.get_all(name) if name != "Content-Length" else ():
            headers[name] = value
    headers["Content-Length"] = str(len(refusal.body or b""))
    return dataclasses.replace(response, headers=headers, body=refusal.body or b"")


class Relay:
    """The websocket server's hooks in relay mode: handshake through the CSMS, then one RelayLink per charger."""

    def __init__(self, core: Core, sessions: sessionmaker[Session], config: RelayConfig) -> None:
        self.core, self.sessions, self.config = core, sessions, config
        self._ssl = ssl.create_default_context(cafile=str(config.ca_file)) if config.ca_file else None
        self._pending: dict[ServerConnection, tuple[str, ClientConnection, Dial]] = {}
        self._gc_callback: Callable[[str, dict[str, int]], None] | None = None
        if config.upstream is None:
            log.warning("relay mode without CHARGELINE_RELAY_UPSTREAM: only chargers with an upstream in the "
                        "fleet file can connect")

    def _dialler(self, url: str, headers: dict[str, str], subprotocols: list[Subprotocol]) -> Dial:
        async def dial() -> ClientConnection:
            return await connect(url, subprotocols=subprotocols, additional_headers=headers, user_agent_header=None,
                                 ssl=self._ssl if url.startswith("wss:") else None,
                                 open_timeout=self.config.open_timeout, ping_interval=None, compression=None,
                                 max_size=self.config.max_frame, close_timeout=2)
        return dial

    def freeze_survivors(self, loop: asyncio.AbstractEventLoop) -> None:
        """After each full garbage collection, freeze what survived it.

        A relayed charger is two connections' worth of long-lived objects: at 10,000 chargers a full collection
        walked about a million of them and stopped the loop for 270-430 ms, which was the relay's whole p99.
        Frozen objects are still freed by reference counting; only cycles among them wait for a restart.
        """
        def after(phase: str, info: dict[str, int]) -> None:
            if phase == "stop" and info.get("generation") == 2:
                loop.call_soon_threadsafe(gc.freeze)  # not inside the collector; any thread may have run it
        self._gc_callback = after
        gc.callbacks.append(after)

    def close(self) -> None:
        """Stop freezing after collections (the node is stopping)."""
        if self._gc_callback in gc.callbacks:
            gc.callbacks.remove(self._gc_callback)

    async def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Dial the charger's CSMS; answer the charger with the CSMS's refusal, or let the upgrade go on."""
        charger_id = charger_id_from_path(request.path)
        if charger_id is None:
            log.warning("rejected websocket path %r (expected /ocpp/{charge_point_id})", request.path[:100])
            return connection.respond(http.HTTPStatus.NOT_FOUND, "Connect to /ocpp/{charge_point_id}\n")
        route = await self.core.db(_route, self.sessions, charger_id)
        base = route.url or self.config.upstream
        if base is None:
            log.warning("charger=%s rejected: no upstream CSMS configured for it", charger_id)
            return connection.respond(http.HTTPStatus.NOT_FOUND, "Unknown charge point\n")
        headers: dict[str, str] = {}
        given = request.headers.get("Authorization")
        if route.password:
            credentials = _basic_credentials(given)
            if route.password_hash and (credentials is None or credentials[0] != charger_id
                                        or not check_password(route.password_hash, credentials[1])):
                log.warning("charger=%s rejected: wrong or missing basic auth at the relay", charger_id)
                response = connection.respond(http.HTTPStatus.UNAUTHORIZED, "Authentication required\n")
                response.headers["WWW-Authenticate"] = 'Basic realm="ocpp", charset="UTF-8"'
                return response
            headers["Authorization"] = _basic(charger_id, route.password)
        elif given:
            headers["Authorization"] = given
        offered = [p for value in request.headers.get_all("Sec-WebSocket-Protocol") for p in parse_subprotocol(value)]
        url = f"{base.rstrip('/')}/{quote(charger_id, safe='')}"
        try:
            upstream = await self._dialler(url, headers, offered)()
        except InvalidStatus as exc:
            log.warning("charger=%s refused by the CSMS: HTTP %d; answered as is", charger_id,
                        exc.response.status_code)
            return _mirror(connection, exc.response)
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            log.warning("charger=%s the CSMS at %s cannot be reached: %r", charger_id, base, exc)
            return connection.respond(http.HTTPStatus.BAD_GATEWAY, "Central system unreachable\n")
        chosen = [upstream.subprotocol] if upstream.subprotocol else offered
        self._pending[connection] = (charger_id, upstream, self._dialler(url, headers, chosen))
        return None

    def select_subprotocol(self, connection: ServerConnection, offered: list[Subprotocol]) -> Subprotocol | None:
        """The subprotocol the CSMS chose for this charger."""
        pending = self._pending.get(connection)
        return pending[1].subprotocol if pending is not None else None

    def process_response(self, connection: ServerConnection, request: Request, response: Response) -> None:
        """A handshake that failed after the CSMS was dialled: hang up on the CSMS too."""
        if response.status_code != 101 and connection in self._pending:
            _, upstream, _ = self._pending.pop(connection)
            self.core.spawn(upstream.close(1000, "the charger's handshake failed"), "close unused upstream")

    async def handle(self, connection: ServerConnection) -> None:
        """Relay one charger for as long as its socket lives."""
        pending = self._pending.pop(connection, None)
        if pending is None:
            await connection.close(1011, "no upstream connection")
            return
        charger_id, upstream, dial = pending
        protocol = connection.subprotocol or next((p for p in KNOWN if p == upstream.subprotocol), "ocpp1.6")
        link = RelayLink(charger_id, protocol, connection, upstream, self.core, dial,
                         self.config.on_upstream_loss == "hold", self.config.turn_wait)
        old = self.core.attach(link)
        if old is not None:
            log.info("charger=%s reconnected; closing its previous connection", charger_id)
            self.core.spawn(old.close(1000, "replaced by a new connection"), f"close old link {charger_id}")
        log.info("charger=%s relayed with %s to %s", charger_id, protocol, upstream.request.path
                 if upstream.request else "?")
        try:
            await self.core.write(self.core.store.connected, charger_id, protocol)
            await link.serve()
        finally:
            with contextlib.suppress(asyncio.CancelledError):
                if self.core.detach(link):
                    log.info("charger=%s offline: %s", charger_id, link.closed_reason)
                    await self.core.write(self.core.store.disconnected, charger_id, link.closed_reason)
