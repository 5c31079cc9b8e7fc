"""Security profiles 2 and 3 end to end: wss:// with certificates the tests make, real TLS, the simulator too."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import update
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidMessage, InvalidStatus

from bot.config import load_settings
from bot.errors import ConfigError
from bot.fleet.models import Charger
from bot.runtime import Runtime
from ocpp_bridge.server import Bridge
from ocpp_bridge.simulator import SimulatedCharger
from ocpp_bridge.simulator.tls import client_context
from tests.ocpp_bridge.certs import Certs, make_certs
from tests.ocpp_bridge.chargers import basic
from tests.ocpp_bridge.conftest import PASSWORD, TEST_OPTIONS

pytestmark = pytest.mark.skipif(__import__("shutil").which("openssl") is None, reason="needs the openssl command")


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"), ("CP-1042", "CP-2001"))


def profile(runtime: Runtime, charger_id: str, value: int | None) -> None:
    with runtime.sessions.begin() as session:
        session.execute(update(Charger).where(Charger.id == charger_id).values(security_profile=value))


@pytest.fixture
async def tls_bridge(fleet_runtime: Runtime, certs: Certs) -> AsyncIterator[Bridge]:
    settings = fleet_runtime.settings.replace(ocpp_tls_cert=certs.server_cert, ocpp_tls_key=certs.server_key,
                                              ocpp_tls_client_ca=certs.ca)
    runtime = Runtime(settings, fleet_runtime.engine, fleet_runtime.sessions, fleet_runtime.api_token,
                      fleet_runtime.secret_key)
    async with Bridge(runtime, "127.0.0.1", 0, 0, options=TEST_OPTIONS) as node:
        yield node


def context(certs: Certs, charger_id: str | None = None, directory: Path | None = None) -> ssl.SSLContext:
    return client_context(charger_id or "-", certs.ca, directory)


async def handshake(url: str, charger_id: str, ssl_context: ssl.SSLContext | None,
                    password: str | None = None) -> int:
    """The HTTP status of the upgrade: 101 when the charger got in."""
    headers = basic(charger_id, password) if password else None
    try:
        async with connect(f"{url}/{charger_id}", subprotocols=["ocpp1.6"], additional_headers=headers,
                           **({"ssl": ssl_context} if ssl_context else {})):
            return 101
    except InvalidStatus as exc:
        return exc.response.status_code


async def test_profile_2_is_basic_auth_over_tls(tls_bridge: Bridge, certs: Certs) -> None:
    profile(tls_bridge.runtime, "CP-1042", 2)
    assert tls_bridge.url.startswith("wss://127.0.0.1:")
    assert await handshake(tls_bridge.url, "CP-1042", context(certs), PASSWORD) == 101
    assert await handshake(tls_bridge.url, "CP-1042", context(certs), "wrong") == 401


async def test_profile_3_takes_the_charger_id_from_the_certificate(tls_bridge: Bridge, certs: Certs) -> None:
    profile(tls_bridge.runtime, "CP-1042", 3)
    with_cert = context(certs, "CP-1042", certs.clients)
    assert await handshake(tls_bridge.url, "CP-1042", with_cert) == 101  # no password needed: the certificate is it
    assert await handshake(tls_bridge.url, "CP-1042", context(certs), PASSWORD) == 403  # below its profile
    assert await handshake(tls_bridge.url, "CP-2001", context(certs, "CP-1042", certs.clients)) == 403  # CN mismatch


async def test_a_certificate_from_another_ca_fails_the_tls_handshake(tls_bridge: Bridge, certs: Certs) -> None:
    profile(tls_bridge.runtime, "CP-1042", 3)
    # with TLS 1.3 the client learns of the refused certificate only as the server closes before answering
    with pytest.raises((ssl.SSLError, ConnectionError, InvalidMessage)):
        await handshake(tls_bridge.url, "CP-1042", context(certs, "CP-1042", certs.rogue))
    assert tls_bridge.core.link("CP-1042") is None


async def test_a_charger_needing_tls_is_refused_on_plain_ws(bridge: Bridge) -> None:
    profile(bridge.runtime, "CP-1042", 2)
    assert await handshake(bridge.url, "CP-1042", None, PASSWORD) == 403
    profile(bridge.runtime, "CP-1042", 1)
    assert await handshake(bridge.url, "CP-1042", None, PASSWORD) == 101


async def test_the_simulator_connects_with_its_client_certificate(tls_bridge: Bridge, certs: Certs) -> None:
    profile(tls_bridge.runtime, "CP-2001", 3)
    charger = SimulatedCharger("CP-2001", tls_bridge.url, protocol="2.0.1", compression=None, ping_interval=None,
                               ssl_context=context(certs, "CP-2001", certs.clients))
    charger.start()
    try:
        await charger.wait_connected(10)
        assert charger.boots == 1 and tls_bridge.core.link("CP-2001") is not None
    finally:
        await charger.close()


def test_tls_settings_come_in_pairs(certs: Certs) -> None:
    with pytest.raises(ConfigError, match="set both"):
        load_settings({"CHARGELINE_OCPP_TLS_CERT": str(certs.server_cert)}, dotenv=None)
    with pytest.raises(ConfigError, match="needs CHARGELINE_OCPP_TLS_CERT"):
        load_settings({"CHARGELINE_OCPP_TLS_CLIENT_CA": str(certs.ca)}, dotenv=None)
    settings = load_settings({"CHARGELINE_OCPP_TLS_CERT": str(certs.server_cert),
                              "CHARGELINE_OCPP_TLS_KEY": str(certs.server_key)})
    assert (settings.ocpp_tls_cert, settings.ocpp_tls_client_ca) == (certs.server_cert, None)
