"""OCPP security profiles 2 and 3: the bridge's TLS context and what a charger's connection proves.

Profile 1 is Basic auth over ws://, profile 2 Basic auth over wss://, profile 3 a client certificate over wss://
whose CN is the charge point id (OCPP 2.0.1 part 2 A00.FR.3xx/4xx; the 1.6 security whitepaper). With a client CA
configured, a client certificate is asked for but optional, so profile 2 and profile 3 chargers share the port;
the fleet file's `security_profile` then says which a charger must use.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from bot.config import Settings

MIN_VERSION = ssl.TLSVersion.TLSv1_2  # both OCPP versions require TLS 1.2 or later


def server_context(cert: Path | None, key: Path | None, client_ca: Path | None = None) -> ssl.SSLContext | None:
    """The TLS context chargers connect to (None: plain ws://); with `client_ca`, client certificates are checked."""
    if cert is None or key is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = MIN_VERSION
    context.load_cert_chain(cert, key)
    if client_ca is not None:
        context.load_verify_locations(cafile=client_ca)
        context.verify_mode = ssl.CERT_OPTIONAL  # a handshake without one is profile 2, checked per charger
    return context


def context_from_settings(settings: Settings) -> ssl.SSLContext | None:
    """CHARGELINE_OCPP_TLS_CERT, _KEY and _CLIENT_CA as a context (None when TLS is not configured)."""
    return server_context(settings.ocpp_tls_cert, settings.ocpp_tls_key, settings.ocpp_tls_client_ca)


def peer(connection: Any) -> tuple[bool, str | None]:
    """(over TLS, CN of the verified client certificate or None) for a websocket connection."""
    transport = getattr(connection, "transport", None)
    if transport is None or transport.get_extra_info("ssl_object") is None:
        return False, None
    cert = transport.get_extra_info("peercert") or {}
    for rdn in cert.get("subject", ()):
        for name, value in rdn:
            if name == "commonName":
                return True, str(value)
    return True, None


def refusal(charger_id: str, required: int | None, tls: bool, common_name: str | None) -> str | None:
    """Why a charger may not connect as it did (below its security profile, or a certificate of another), or None."""
    if common_name is not None and common_name != charger_id:
        return f"client certificate is for {common_name!r}, not this charge point"
    if (required or 1) >= 2 and not tls:
        return f"security profile {required} requires TLS (wss://)"
    if required == 3 and common_name is None:
        return "security profile 3 requires a client certificate signed by the configured CA"
    return None
