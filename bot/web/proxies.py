"""The client's address: who connected, unless a trusted proxy in front says who connected to it.

`X-Forwarded-For` is believed only as far as `CHARGELINE_TRUSTED_PROXIES` allows: a number of hops (werkzeug's
ProxyFix takes the address that many proxies back) or the proxies' own networks (the rightmost address that is
not one of them). Anything further left was written by the client and is ignored, so nobody can pick the
address their requests are counted under. `trust_proxies` is applied once, in `create_app`.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.middleware.proxy_fix import ProxyFix

from bot.config import Network

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)
_warned: list[bool] = []


def trust_proxies(app: WSGIApplication, trusted: int | tuple[Network, ...]) -> WSGIApplication:
    """Wrap `app` so REMOTE_ADDR is the client's address as the trusted proxies report it (unchanged for none)."""
    if isinstance(trusted, int):
        return ProxyFix(app, x_for=trusted, x_proto=0, x_host=0, x_port=0, x_prefix=0) if trusted else app
    return TrustedNetworks(app, trusted) if trusted else app


class TrustedNetworks:
    """Take the client's address from X-Forwarded-For when the request comes from one of `networks`."""

    def __init__(self, app: WSGIApplication, networks: Iterable[Network]) -> None:
        self.app, self.networks = app, tuple(networks)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        remote = environ.get("REMOTE_ADDR")
        if self._trusted(remote):
            environ["chargeline.proxy.remote_addr"] = remote
            hops = [h.strip() for h in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            for hop in reversed(hops):
                if _ip(hop) is None:
                    break  # written by the client (our proxies append addresses): keep the last good one
                environ["REMOTE_ADDR"] = hop
                if not self._trusted(hop):
                    break
        return self.app(environ, start_response)

    def _trusted(self, address: str | None) -> bool:
        ip = _ip(address)
        return ip is not None and any(ip in network for network in self.networks)


def limit_key(address: str | None, headers: Any = None) -> str | None:
    """What per-address limits count this client under: the address (an IPv6 /64), or None for no limit.

    Loopback is not limited: that is a local tool, or a proxy on this machine that is not trusted yet, where
    every driver would share one address and one budget (a flood would lock everyone out).
    """
    ip = _ip(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip is None:
        return None
    if ip.is_loopback:
        if headers is not None and headers.get("X-Forwarded-For") and not _warned:
            _warned.append(True)
            log.warning("requests arrive through a proxy on this machine but CHARGELINE_TRUSTED_PROXIES is not "
                        "set: per-address limits are off until it is")
        return None
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))  # one subscriber has a whole /64
    return str(ip)


def _ip(address: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
