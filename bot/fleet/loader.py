"""Read, validate and import the fleet file (format in docs/authoring.md).

Every problem names the file, the line and the field, and all problems are
reported at once. Importing the same file twice updates rows in place.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from sqlalchemy.orm import Session, sessionmaker

from bot.appstate import set_value
from bot.errors import FleetFileError
from bot.fleet.models import (
    CONNECTOR_TYPES,
    SITE_TYPES,
    TOKEN_STATUSES,
    Charger,
    Connector,
    IdToken,
    Site,
)
from bot.yamlfile import line_of, read_yaml

log = logging.getLogger(__name__)

_ID = re.compile(r"^[A-Za-z0-9*._:\-]{1,64}$")  # OCPP CiString, no spaces or slashes
_CONNECTOR_ALIASES = {re.sub(r"[\s_-]", "", t).lower(): t for t in CONNECTOR_TYPES}
_TOP_KEYS = {"sites", "chargers", "tokens", "unknown_tokens", "auto_accept"}
_SITE_KEYS = {"id", "name", "type", "address", "payment_methods", "emsps", "latitude", "longitude"}
_CHARGER_KEYS = {"id", "site", "label", "password", "connectors", "upstream", "security_profile"}
_UPSTREAM_KEYS = {"url", "password"}
_CONNECTOR_KEYS = {"id", "type", "max_kw"}
_TOKEN_KEYS = {"id_tag", "status", "expiry", "group"}


@dataclass(frozen=True)
class ConnectorSpec:
    id: int
    type: str
    max_kw: float


@dataclass(frozen=True)
class UpstreamSpec:
    """Relay mode: where a charger's frames go (`url`, the charger id appended) and the Basic-auth password to
    present there (None: the charger's own credentials are passed through)."""

    url: str | None = None
    password: str | None = None

    def __repr__(self) -> str:
        return f"UpstreamSpec(url={self.url!r}, password={'***' if self.password else None})"


@dataclass(frozen=True)
class ChargerSpec:
    id: str
    site: str
    label: str
    password: str | None
    connectors: tuple[ConnectorSpec, ...]
    upstream: UpstreamSpec | None = None  # relay mode: this charger's CSMS, overriding CHARGELINE_RELAY_UPSTREAM
    security_profile: int | None = None  # OCPP security profile the charger must connect with (1, 2 or 3)


@dataclass(frozen=True)
class SiteSpec:
    id: str
    name: str
    type: str
    address: str | None = None
    payment_methods: tuple[str, ...] = ()
    emsps: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class TokenSpec:
    id_tag: str
    status: str
    expiry: date | None = None
    group: str | None = None


@dataclass(frozen=True)
class FleetFile:
    """A validated fleet file."""

    sites: tuple[SiteSpec, ...] = ()
    chargers: tuple[ChargerSpec, ...] = ()
    tokens: tuple[TokenSpec, ...] = ()
    unknown_tokens: str = "accept"
    auto_accept: bool = False


@dataclass
class ImportReport:
    sites: int = 0
    chargers_created: int = 0
    chargers_updated: int = 0
    tokens: int = 0
    not_in_file: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"{self.sites} sites, {self.chargers_created} chargers created, "
            f"{self.chargers_updated} updated, {self.tokens} id tags"
        )
        if self.not_in_file:
            text += f"; {len(self.not_in_file)} chargers in the database are not in this file (left as they are)"
        return text


def hash_password(password: str) -> str:
    """Salted SHA-256 of a charger's basic-auth password.

    Charger keys are long random secrets (OCPP: 16-40 bytes), so a slow
    password hash buys nothing and would make a reconnect storm of thousands
    of chargers cost minutes of CPU.
    """
    salt = secrets.token_hex(8)
    return f"sha256${salt}${hashlib.sha256((salt + password).encode()).hexdigest()}"


def check_password(stored: str | None, password: str) -> bool:
    """Compare a presented password with a stored hash in constant time."""
    if not stored or stored.count("$") != 2:
        return False
    _, salt, digest = stored.split("$")
    candidate = hashlib.sha256((salt + password).encode()).hexdigest()
    return hmac.compare_digest(candidate, digest)


def parse_fleet_file(path: Path) -> FleetFile:
    """Read and validate a fleet file; raise FleetFileError listing every problem."""
    return _Validator(str(path)).validate(read_yaml(path, FleetFileError))


class _Validator:
    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[str] = []

    def error(self, node: Any, message: str) -> None:
        line = line_of(node)
        self.problems.append(f"{self.name}:{line}: {message}" if line else f"{self.name}: {message}")

    def validate(self, data: Any) -> FleetFile:
        if not isinstance(data, dict):
            raise FleetFileError([f"{self.name}: the fleet file must be a mapping with sites and chargers"])
        self._unknown_keys(data, _TOP_KEYS, "the fleet file")
        sites = [s for s in (self._site(n) for n in self._list(data, "sites")) if s]
        site_ids = self._unique(sites, data, "site id", lambda s: s.id)
        chargers = [c for c in (self._charger(n, site_ids) for n in self._list(data, "chargers")) if c]
        self._unique(chargers, data, "charger id", lambda c: c.id)
        first_by_id = list({c.id: (n, c) for n, c in reversed(chargers)}.values())[::-1]
        self._unique(first_by_id, data, "charger label", lambda c: c.label.casefold())
        tokens = [t for t in (self._token(n) for n in self._list(data, "tokens")) if t]
        self._unique(tokens, data, "id_tag", lambda t: t.id_tag)
        unknown = data.get("unknown_tokens", "accept")
        if unknown not in ("accept", "reject"):
            self.error(data, f"unknown_tokens: {unknown!r} must be accept or reject")
        auto = data.get("auto_accept", False)
        if not isinstance(auto, bool):
            self.error(data, f"auto_accept: {auto!r} must be true or false")
        if self.problems:
            raise FleetFileError(self.problems)
        return FleetFile(
            sites=tuple(s for _, s in sites),
            chargers=tuple(c for _, c in chargers),
            tokens=tuple(t for _, t in tokens),
            unknown_tokens=unknown,
            auto_accept=auto,
        )

    def _list(self, data: dict[str, Any], key: str) -> list[Any]:
        value = data.get(key) or []
        if not isinstance(value, list):
            self.error(data, f"{key}: must be a list")
            return []
        return value

    def _unknown_keys(self, node: dict[str, Any], allowed: set[str], what: str) -> None:
        for key in node:
            if key not in allowed:
                self.error(node, f"{what}: unknown field {key!r} (expected one of {', '.join(sorted(allowed))})")

    def _unique(self, items: list[tuple[Any, Any]], data: Any, what: str, key: Any) -> set[str]:
        seen: dict[str, int] = {}
        for node, item in items:
            value = key(item)
            if value in seen:
                self.error(node, f"duplicate {what} {value!r} (first on line {seen[value]})")
            else:
                seen[value] = getattr(node, "line", 0)
        return set(seen)

    def _string(self, node: dict[str, Any], key: str, what: str, required: bool = True) -> str | None:
        value = node.get(key)
        if value is None:
            if required:
                self.error(node, f"{what}: missing {key}")
            return None
        if isinstance(value, (dict, list)):
            self.error(node, f"{what}: {key} must be text")
            return None
        return str(value).strip()

    def _site(self, node: Any) -> tuple[Any, SiteSpec] | None:
        if not isinstance(node, dict):
            self.error(node, "each site must be a mapping")
            return None
        self._unknown_keys(node, _SITE_KEYS, "site")
        site_id = self._string(node, "id", "site")
        if site_id is None:
            return None
        if not _ID.match(site_id):
            self.error(node, f"site {site_id!r}: id may hold letters, digits and . _ - : * only")
        site_type = self._string(node, "type", f"site {site_id}") or ""
        if site_type and site_type not in SITE_TYPES:
            self.error(node, f"site {site_id}: type {site_type!r} is not one of {', '.join(SITE_TYPES)}")
        return node, SiteSpec(
            id=site_id,
            name=self._string(node, "name", f"site {site_id}", required=False) or site_id,
            type=site_type,
            address=self._string(node, "address", f"site {site_id}", required=False),
            payment_methods=tuple(str(m) for m in node.get("payment_methods") or ()),
            emsps=tuple(str(m) for m in node.get("emsps") or ()),
            latitude=self._number(node, "latitude", f"site {site_id}"),
            longitude=self._number(node, "longitude", f"site {site_id}"),
        )

    def _number(self, node: dict[str, Any], key: str, what: str) -> float | None:
        value = node.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(node, f"{what}: {key} {value!r} is not a number")
            return None
        return float(value)

    def _charger(self, node: Any, site_ids: set[str]) -> tuple[Any, ChargerSpec] | None:
        if not isinstance(node, dict):
            self.error(node, "each charger must be a mapping")
            return None
        self._unknown_keys(node, _CHARGER_KEYS, "charger")
        charger_id = self._string(node, "id", "charger")
        if charger_id is None:
            return None
        what = f"charger {charger_id}"
        if not _ID.match(charger_id):
            self.error(node, f"{what}: id may hold letters, digits and . _ - : * only (max 64)")
        site = self._string(node, "site", what)
        if site is not None and site not in site_ids:
            self.error(node, f"{what}: site {site!r} is not defined in sites")
        label = self._string(node, "label", what, required=False) or charger_id
        password = self._string(node, "password", what, required=False)
        raw_connectors = node.get("connectors")
        if not isinstance(raw_connectors, list) or not raw_connectors:
            self.error(node, f"{what}: connectors must be a non-empty list")
            raw_connectors = []
        connectors = [c for c in (self._connector(c, what) for c in raw_connectors) if c]
        seen: set[int] = set()
        for raw, connector in zip(raw_connectors, connectors):
            if connector.id in seen:
                self.error(raw, f"{what}: duplicate connector id {connector.id}")
            seen.add(connector.id)
        upstream = self._upstream(node, what) if "upstream" in node else None
        profile = node.get("security_profile")
        if profile is not None and (isinstance(profile, bool) or profile not in (1, 2, 3)):
            self.error(node, f"{what}: security_profile must be 1, 2 or 3")
            profile = None
        return node, ChargerSpec(charger_id, site or "", label, password, tuple(connectors), upstream, profile)

    def _upstream(self, node: dict[str, Any], what: str) -> UpstreamSpec | None:
        """`upstream: ws://csms/ocpp` or `upstream: {url: wss://csms/ocpp, password: ...}` (either key optional)."""
        value = node.get("upstream")
        if isinstance(value, str):
            value = {"url": value}
        if not isinstance(value, dict) or not value:
            self.error(node, f"{what}: upstream must be a ws:// or wss:// URL or a mapping with url and password")
            return None
        self._unknown_keys(value, _UPSTREAM_KEYS, f"{what} upstream")
        url = self._string(value, "url", f"{what} upstream", required=False)
        if url is not None and (urlparse(url).scheme not in ("ws", "wss") or not urlparse(url).netloc):
            self.error(value if line_of(value) else node, f"{what}: upstream url {url!r} is not a ws:// or wss:// URL")
        password = self._string(value, "password", f"{what} upstream", required=False)
        return UpstreamSpec(url.rstrip("/") if url else None, password or None)

    def _connector(self, node: Any, what: str) -> ConnectorSpec | None:
        if not isinstance(node, dict):
            self.error(node, f"{what}: each connector must be a mapping")
            return None
        self._unknown_keys(node, _CONNECTOR_KEYS, f"{what} connector")
        cid = node.get("id")
        if isinstance(cid, bool) or not isinstance(cid, int) or cid < 1:
            self.error(node, f"{what}: connector id {cid!r} must be a whole number from 1")
            return None
        raw_type = str(node.get("type", ""))
        ctype = _CONNECTOR_ALIASES.get(re.sub(r"[\s_-]", "", raw_type).lower())
        if ctype is None:
            self.error(node, f"{what} connector {cid}: type {raw_type!r} is not one of {', '.join(CONNECTOR_TYPES)}")
            return None
        max_kw = node.get("max_kw")
        if isinstance(max_kw, bool) or not isinstance(max_kw, (int, float)):
            self.error(node, f"{what} connector {cid}: max_kw {max_kw!r} is not a number")
            return None
        if max_kw <= 0:
            self.error(node, f"{what} connector {cid}: max_kw {max_kw} must be positive")
            return None
        return ConnectorSpec(cid, ctype, float(max_kw))

    def _token(self, node: Any) -> tuple[Any, TokenSpec] | None:
        if not isinstance(node, dict):
            self.error(node, "each token must be a mapping")
            return None
        self._unknown_keys(node, _TOKEN_KEYS, "token")
        id_tag = self._string(node, "id_tag", "token")
        if id_tag is None:
            return None
        if not 1 <= len(id_tag) <= 36:
            self.error(node, "token: id_tag must be 1 to 36 characters")
        status = self._string(node, "status", "token", required=False) or "Accepted"
        if status not in TOKEN_STATUSES:
            self.error(node, f"token: status {status!r} is not one of {', '.join(TOKEN_STATUSES)}")
        expiry = node.get("expiry")
        if expiry is not None and not isinstance(expiry, date):
            self.error(node, f"token: expiry {expiry!r} is not a date (YYYY-MM-DD)")
            expiry = None
        group = self._string(node, "group", "token", required=False)
        return node, TokenSpec(id_tag, status, expiry, group)


def import_fleet(factory: sessionmaker[Session], fleet: FleetFile) -> ImportReport:
    """Upsert the fleet into the database in one transaction."""
    report = ImportReport()
    with factory() as session, session.begin():
        for spec in fleet.sites:
            site = session.get(Site, spec.id) or Site(id=spec.id)
            site.name, site.type, site.address = spec.name, spec.type, spec.address
            site.payment_methods, site.emsps = list(spec.payment_methods), list(spec.emsps)
            site.latitude, site.longitude = spec.latitude, spec.longitude
            session.add(site)
            report.sites += 1
        session.flush()
        _free_labels(session, fleet)
        for charger_spec in fleet.chargers:
            _upsert_charger(session, charger_spec, report)
        for token_spec in fleet.tokens:
            token = session.get(IdToken, token_spec.id_tag) or IdToken(id_tag=token_spec.id_tag)
            token.status, token.expiry, token.group = token_spec.status, token_spec.expiry, token_spec.group
            session.add(token)
            report.tokens += 1
        set_value(session, "fleet.unknown_tokens", fleet.unknown_tokens)
        set_value(session, "fleet.auto_accept", "true" if fleet.auto_accept else "false")
        in_file = {c.id for c in fleet.chargers}
        report.not_in_file = sorted(cid for (cid,) in session.query(Charger.id) if cid not in in_file)
    log.info("fleet imported %s", report)
    return report


def _free_labels(session: Session, fleet: FleetFile) -> None:
    """Clear labels that move between chargers so the unique index never trips mid-import."""
    incoming = {c.id: c.label for c in fleet.chargers}
    owners = {label.casefold(): cid for cid, label in incoming.items()}
    for charger in session.query(Charger):
        owner = owners.get(charger.label.casefold())
        if owner is not None and owner != charger.id:
            charger.label = f"~{charger.id}"
    session.flush()


def _upsert_charger(session: Session, spec: ChargerSpec, report: ImportReport) -> None:
    charger = session.get(Charger, spec.id)
    if charger is None:
        charger = Charger(id=spec.id)
        report.chargers_created += 1
    else:
        report.chargers_updated += 1
    charger.site_id, charger.label = spec.site, spec.label
    charger.upstream_url = spec.upstream.url if spec.upstream else None
    charger.upstream_password = spec.upstream.password if spec.upstream else None
    charger.security_profile = spec.security_profile
    if spec.password is None:
        charger.password_hash = None
    elif not check_password(charger.password_hash, spec.password):
        charger.password_hash = hash_password(spec.password)
    wanted = {c.id: c for c in spec.connectors}
    charger.connectors = [c for c in charger.connectors if c.connector_id in wanted]
    existing = {c.connector_id: c for c in charger.connectors}
    for cid, cspec in wanted.items():
        connector = existing.get(cid) or Connector(connector_id=cid)
        connector.type, connector.max_kw = cspec.type, cspec.max_kw
        if cid not in existing:
            charger.connectors.append(connector)
    session.add(charger)
