"""The client's address: X-Forwarded-For believed only from trusted proxies; what per-address limits count."""

from __future__ import annotations

import ipaddress

from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from bot.web.proxies import limit_key, trust_proxies


def _seen(trusted, remote: str, forwarded: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """The REMOTE_ADDR the app sees behind `trust_proxies(trusted)`."""

    @Request.application
    def echo(request: Request) -> Response:
        return Response(request.remote_addr or "")

    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    client = Client(trust_proxies(echo, trusted))
    return client.get("/", headers=headers, environ_base={"REMOTE_ADDR": remote}).text


def test_without_trusted_proxies_the_forwarded_header_is_ignored() -> None:
    assert _seen(0, "198.51.100.7", "203.0.113.9") == "198.51.100.7"
    assert _seen((), "198.51.100.7", "203.0.113.9") == "198.51.100.7"


def test_one_trusted_hop_takes_the_address_that_proxy_appended_not_what_the_client_wrote() -> None:
    assert _seen(1, "10.0.0.5", "203.0.113.9") == "203.0.113.9"
    assert _seen(1, "10.0.0.5", "1.2.3.4, 203.0.113.9") == "203.0.113.9"  # 1.2.3.4 is the client's own claim


def test_trusted_networks_take_the_rightmost_address_outside_them() -> None:
    trusted = (ipaddress.ip_network("10.0.0.0/8"),)
    assert _seen(trusted, "10.0.0.5", "1.2.3.4, 203.0.113.9, 10.1.1.1") == "203.0.113.9"
    assert _seen(trusted, "10.0.0.5", "garbage, 203.0.113.9") == "203.0.113.9"
    assert _seen(trusted, "10.0.0.5", "203.0.113.9, garbage") == "10.0.0.5"  # our proxies never write garbage
    assert _seen(trusted, "198.51.100.7", "203.0.113.9") == "198.51.100.7"  # not from a proxy: not believed


def test_limits_count_an_address_an_ipv6_slash_64_and_never_loopback() -> None:
    assert limit_key("203.0.113.9") == "203.0.113.9"
    assert limit_key("2001:db8:1:2:aaaa::1") == limit_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert limit_key("::ffff:203.0.113.9") == "203.0.113.9"
    assert limit_key("127.0.0.1") is None and limit_key("::1") is None and limit_key("::ffff:127.0.0.1") is None
    assert limit_key(None) is None and limit_key("not an address") is None
