"""Test certificates made with the `openssl` command: a CA, the bridge's server certificate, chargers' client ones."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Certs:
    ca: Path
    server_cert: Path
    server_key: Path
    clients: Path  # {charger id}.pem and .key, signed by `ca`
    rogue: Path  # {charger id}.pem and .key, signed by a CA the bridge does not trust


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _ca(directory: Path, name: str) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
             "-subj", f"/CN={name}", "-keyout", str(key), "-out", str(cert))
    return cert, key


def _signed(directory: Path, name: str, ca: tuple[Path, Path], extension: str | None = None) -> None:
    key, csr, cert = directory / f"{name}.key", directory / f"{name}.csr", directory / f"{name}.pem"
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", f"/CN={name}",
             "-keyout", str(key), "-out", str(csr))
    extra = ["-extfile", extension] if extension else []
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca[0]), "-CAkey", str(ca[1]), "-CAcreateserial",
             "-days", "2", "-out", str(cert), *extra)


def make_certs(directory: Path, charger_ids: tuple[str, ...]) -> Certs:
    """Generate every certificate the TLS tests use under `directory`."""
    clients, rogue = directory / "clients", directory / "rogue"
    clients.mkdir()
    rogue.mkdir()
    ca, other = _ca(directory, "ChargeLine Test CA"), _ca(directory, "Rogue CA")
    san = directory / "san.ext"
    san.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _signed(directory, "server", ca, str(san))
    for charger_id in charger_ids:
        _signed(clients, charger_id, ca)
        _signed(rogue, charger_id, other)
    return Certs(ca[0], directory / "server.pem", directory / "server.key", clients, rogue)
