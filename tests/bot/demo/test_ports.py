"""The demo's port check: a port a stopped server left in TIME_WAIT is free; one something listens on is not."""

from __future__ import annotations

import errno
import socket
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from bot.config import Settings
from bot.demo.ports import busy_ports


def _hello(environ, start_response):  # type: ignore[no-untyped-def]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


@contextmanager
def serving(port: int = 0) -> Iterator[BaseWSGIServer]:
    """The web process's own server (werkzeug's, as `chargeline web` runs it) on 127.0.0.1."""
    server = make_server("127.0.0.1", port, _hello, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def _plain_bind_fails(port: int) -> bool:
    """What the old probe did: bind without SO_REUSEADDR."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def _get_until_the_server_closes(port: int) -> bytes:
    """An HTTP/1.0 request: the server closes the connection first, so its side of it waits in TIME_WAIT."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while chunk := client.recv(4096):
            answer += chunk
    return answer


def _ports(web: int, ocpp: int, bridge: int) -> Settings:
    return Settings(web_port=web, ocpp_port=ocpp, bridge_port=bridge)


def _free() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_server_stopped_a_moment_ago_leaves_its_port_free_to_start_again_at_once() -> None:
    with serving() as first:
        port = first.server_port
        assert _get_until_the_server_closes(port).endswith(b"ok")
    assert _plain_bind_fails(port)  # nothing listens, yet the old probe called the port "in use"

    assert busy_ports(_ports(port, _free(), _free())) == []
    with serving(port) as again:  # and the real server binds it at once
        with urllib.request.urlopen(f"http://127.0.0.1:{again.server_port}/", timeout=10) as response:
            assert response.status == 200


def test_a_port_something_listens_on_is_named_with_how_to_choose_another() -> None:
    with serving() as web, serving() as bridge:
        ocpp = _free()
        problems = busy_ports(_ports(web.server_port, ocpp, bridge.server_port))
    [web_line, bridge_line] = problems
    assert web_line.startswith(f"the web port {web.server_port} is in use by another program; choose another with "
                               "`make demo WEB_PORT=")
    assert "`chargeline demo --web-port " in web_line and " or CHARGELINE_WEB_PORT=" in web_line
    assert bridge_line.startswith(f"the bridge control port {bridge.server_port} is in use")
    assert "`make demo BRIDGE_PORT=" in bridge_line and "CHARGELINE_BRIDGE_PORT=" in bridge_line


def test_the_suggested_port_is_free_and_not_another_demo_port() -> None:
    with serving() as web:
        port = web.server_port
        problems = busy_ports(_ports(port, port + 1, _free()))
        if problems and "OCPP" in "".join(problems):
            pytest.skip(f"port {port + 1} is taken by something else on this machine")
        [line] = problems
        suggested = int(line.rsplit("=", 1)[1])
        assert suggested not in (port, port + 1)
        assert busy_ports(_ports(suggested, port + 1, _free())) == []
