"""wss:// for simulated chargers: the CA that signs the CSMS's certificate, and each charger's client certificate.

Security profile 3: a charger presents `{cert_dir}/{charger id}.pem` with its key `{charger id}.key` (CN = the
charge point id) when that pair exists; without it the charger connects with TLS and Basic auth (profile 2).
"""

from __future__ import annotations

import ssl
from pathlib import Path


def client_context(charger_id: str, ca_file: Path | None = None, cert_dir: Path | None = None) -> ssl.SSLContext:
    """The TLS context one simulated charger connects with (system CAs when `ca_file` is None)."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if cert_dir is not None:
        cert, key = cert_dir / f"{charger_id}.pem", cert_dir / f"{charger_id}.key"
        if cert.is_file() and key.is_file():
            context.load_cert_chain(cert, key)
    return context
