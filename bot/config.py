"""Settings: parsed once at start into a frozen object.

Defaults live here; the environment (and a `.env` file, if present) overrides
them. Every problem is reported on its own line so an operator can fix a bad
deployment in one go.
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlparse

from bot.errors import ConfigError

SECRET_FIELDS = frozenset(
    {"api_token", "twilio_auth_token", "telegram_bot_token", "telegram_webhook_secret",
     "helpdesk_webhook_secret", "secret_key"}
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Rate(NamedTuple):
    """At most `limit` events in `window` seconds."""

    limit: int
    window: float


@dataclass(frozen=True)
class Settings:
    """Everything ChargeLine reads from its environment, typed and checked."""

    database_url: str = "sqlite:///chargeline.db"
    redis_url: str | None = None
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    ocpp_host: str = "127.0.0.1"
    ocpp_port: int = 9000
    bridge_port: int = 9001
    bridge_url: str = "http://127.0.0.1:9001"
    bridge_lease_seconds: float = 90.0  # a bridge node silent this long has its chargers shown offline
    public_url: str = "http://localhost:8000"
    fleet_file: Path | None = None
    policy_file: Path | None = None
    rules_file: Path | None = None
    agent_phone: str | None = None
    agent_queue: str = "support"
    api_token: str | None = None
    secret_key: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_api_url: str | None = None
    twilio_sms_from: str | None = None
    twilio_whatsapp_from: str | None = None
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    nlu_backend: str = "builtin"
    rasa_url: str | None = None
    nlu_data_dir: Path | None = None  # None: the checkout's nlu_data/
    data_dir: Path = Path(".chargeline")
    voice_language: str = "en-GB"
    # per called number, the languages its phone line offers, first the one it greets in ("+4930123=de,en")
    voice_languages: tuple[tuple[str, tuple[str, ...]], ...] = ()
    language_by_number: bool = False  # a phone number's country picks a new conversation's language (+49 -> de)
    helpdesk_webhook_url: str | None = None
    helpdesk_webhook_secret: str | None = None
    log_level: str = "INFO"
    log_format: str = "text"
    # who may tell us the client's address in X-Forwarded-For: a number of proxy hops, or the proxies' networks
    trusted_proxies: int | tuple[Network, ...] = 0
    login_address_limit: Rate | None = Rate(20, 900.0)  # wrong logins from one address; then it waits a window
    webchat_session_limit: Rate | None = Rate(15, 10.0)  # web chat messages from one chat
    webchat_address_limit: Rate | None = Rate(120, 60.0)  # web chat messages from one address
    ocpp_rate_limit: Rate | None = Rate(60, 6.0)  # frames per charger: bursts of 60, refilled at 10/s
    ocpp_flood_limit: Rate | None = Rate(200, 10.0)  # frames refused within the window that disconnect a charger
    bridge_mode: str = "standalone"  # standalone: the chargers' CSMS | relay: in front of the operator's CSMS
    relay_upstream: str | None = None  # relay mode: the operator's CSMS, e.g. ws://csms.example:9000/ocpp
    relay_ca_file: Path | None = None  # relay mode: CA bundle that signs a wss:// upstream's certificate
    relay_on_upstream_loss: str = "close"  # relay mode: close the charger's socket too, or hold it and reconnect
    ocpp_tls_cert: Path | None = None  # PEM certificate chain chargers see: serve wss:// (security profiles 2 and 3)
    ocpp_tls_key: Path | None = None  # its private key (PEM)
    ocpp_tls_client_ca: Path | None = None  # CA bundle that signs chargers' client certificates (profile 3)
    # a turn left unfinished this long with no live process's claim is resumed (its process died)
    turn_grace: float = 60.0
    recovery_interval: float = 30.0  # how often the web process looks for such turns and due outbox replies
    recovery_max_age: float = 900.0  # older unfinished turns are left alone: a late answer would mislead

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in SECRET_FIELDS and value:
                value = "***"
            parts.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(parts)})"

    def replace(self, **changes: object) -> Settings:
        """Return a copy with some fields changed (tests and the CLI use it)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


# variable name -> (field name, parser)
def _port(raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise ValueError(f"{port} is not a port number (1-65535)")
    return port


def _http_url(raw: str) -> str:
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"{raw!r} is not an http(s) URL")
    return raw.rstrip("/")


def _database_url(raw: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(raw)
    except ArgumentError:
        raise ValueError(f"{raw!r} is not a SQLAlchemy database URL") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(f"{url.get_backend_name()!r} databases are not supported (sqlite or postgresql)")
    return raw


def _redis_url(raw: str) -> str:
    if urlparse(raw).scheme not in ("redis", "rediss", "unix"):
        raise ValueError(f"{raw!r} is not a redis:// URL")
    return raw


def _readable_file(raw: str) -> Path:
    path = Path(raw).expanduser()
    if not path.is_file():
        raise ValueError(f"{raw} does not exist or is not a file")
    if not os.access(path, os.R_OK):
        raise ValueError(f"{raw} is not readable")
    return path


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in allowed:
            raise ValueError(f"{raw!r} is not one of {', '.join(allowed)}")
        return raw

    return parse


def _log_level(raw: str) -> str:
    return _choice("DEBUG", "INFO", "WARNING", "ERROR")(raw.upper())


_RATE = re.compile(r"^(\d+)\s*/\s*(\d*)\s*([smh])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600}


def _rate(raw: str) -> Rate | None:
    """`20/15m` (20 in 15 minutes), `15/10s`, `100/h`; `off` for no limit."""
    if raw.lower() == "off":
        return None
    match = _RATE.match(raw.lower())
    if not match or int(match.group(1)) < 1 or match.group(2) == "0":
        raise ValueError(f"{raw!r} is not a rate like 20/15m, 15/10s or 100/h (or off)")
    return Rate(int(match.group(1)), float(int(match.group(2) or 1) * _UNIT_S[match.group(3)]))


def _ws_url(raw: str) -> str:
    parsed = urlparse(raw)
    if parsed.scheme not in ("ws", "wss") or not parsed.netloc:
        raise ValueError(f"{raw!r} is not a ws:// or wss:// URL")
    return raw.rstrip("/")


def _seconds(raw: str) -> float:
    """A positive number of seconds."""
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number of seconds") from None
    if not 0 < value < 10**6:
        raise ValueError(f"{raw} is not a positive number of seconds")
    return value


def _flag(raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{raw!r} is not true or false")


_LANG = re.compile(r"^[a-z]{2,3}$")


def _voice_languages(raw: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """"+4930123=de,en; *=en" -> (("+4930123", ("de", "en")), ("*", ("en",))): a called number (or * for any)."""
    lines = []
    for part in (p.strip() for p in raw.split(";")):
        if not part:
            continue
        number, sep, codes = (s.strip() for s in part.partition("="))
        langs = tuple(c.strip().lower() for c in codes.split(",") if c.strip())
        if not sep or not (number == "*" or re.fullmatch(r"\+?[0-9]{3,16}", number)):
            raise ValueError(f"{part!r}: write <called number>=<languages>, e.g. +4930123456=de,en (or *=en)")
        if not langs or not all(_LANG.match(c) for c in langs):
            raise ValueError(f"{part!r}: languages are codes like de, en, separated by commas")
        lines.append((number, langs))
    return tuple(lines)


def _proxies(raw: str) -> int | tuple[Network, ...]:
    """A number of proxy hops (`1`), or the proxies' addresses and networks (`10.0.0.5, 10.1.0.0/16`)."""
    if raw.isdigit():
        if int(raw) > 10:
            raise ValueError(f"{raw} proxy hops is not plausible (0-10)")
        return int(raw)
    networks = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{part!r} is not an IP address or network") from None
    return tuple(networks)


_VARIABLES: dict[str, tuple[str, Callable[[str], object]]] = {
    "CHARGELINE_DATABASE_URL": ("database_url", _database_url),
    "CHARGELINE_REDIS_URL": ("redis_url", _redis_url),
    "CHARGELINE_WEB_HOST": ("web_host", str),
    "CHARGELINE_WEB_PORT": ("web_port", _port),
    "CHARGELINE_OCPP_HOST": ("ocpp_host", str),
    "CHARGELINE_OCPP_PORT": ("ocpp_port", _port),
    "CHARGELINE_BRIDGE_PORT": ("bridge_port", _port),
    "CHARGELINE_BRIDGE_URL": ("bridge_url", _http_url),
    "CHARGELINE_BRIDGE_LEASE_SECONDS": ("bridge_lease_seconds", _seconds),
    "CHARGELINE_PUBLIC_URL": ("public_url", _http_url),
    "CHARGELINE_FLEET_FILE": ("fleet_file", _readable_file),
    "CHARGELINE_POLICY_FILE": ("policy_file", _readable_file),
    "CHARGELINE_RULES_FILE": ("rules_file", _readable_file),
    "CHARGELINE_AGENT_PHONE": ("agent_phone", str),
    "CHARGELINE_AGENT_QUEUE": ("agent_queue", str),
    "CHARGELINE_API_TOKEN": ("api_token", str),
    "CHARGELINE_SECRET_KEY": ("secret_key", str),
    "TWILIO_ACCOUNT_SID": ("twilio_account_sid", str),
    "TWILIO_AUTH_TOKEN": ("twilio_auth_token", str),
    "TWILIO_API_URL": ("twilio_api_url", _http_url),
    "TWILIO_SMS_FROM": ("twilio_sms_from", str),
    "TWILIO_WHATSAPP_FROM": ("twilio_whatsapp_from", str),
    "TELEGRAM_BOT_TOKEN": ("telegram_bot_token", str),
    "TELEGRAM_WEBHOOK_SECRET": ("telegram_webhook_secret", str),
    "TELEGRAM_API_URL": ("telegram_api_url", _http_url),
    "CHARGELINE_NLU": ("nlu_backend", _choice("builtin", "rasa")),
    "CHARGELINE_RASA_URL": ("rasa_url", _http_url),
    "CHARGELINE_NLU_DATA": ("nlu_data_dir", Path),
    "CHARGELINE_DATA_DIR": ("data_dir", Path),
    "CHARGELINE_VOICE_LANGUAGE": ("voice_language", str),
    "CHARGELINE_VOICE_LANGUAGES": ("voice_languages", _voice_languages),
    "CHARGELINE_LANGUAGE_BY_NUMBER": ("language_by_number", _flag),
    "CHARGELINE_HELPDESK_WEBHOOK_URL": ("helpdesk_webhook_url", _http_url),
    "CHARGELINE_HELPDESK_WEBHOOK_SECRET": ("helpdesk_webhook_secret", str),
    "CHARGELINE_LOG_LEVEL": ("log_level", _log_level),
    "CHARGELINE_LOG_FORMAT": ("log_format", _choice("text", "json")),
    "CHARGELINE_TRUSTED_PROXIES": ("trusted_proxies", _proxies),
    "CHARGELINE_LOGIN_ADDRESS_LIMIT": ("login_address_limit", _rate),
    "CHARGELINE_WEBCHAT_SESSION_LIMIT": ("webchat_session_limit", _rate),
    "CHARGELINE_WEBCHAT_ADDRESS_LIMIT": ("webchat_address_limit", _rate),
    "CHARGELINE_OCPP_RATE_LIMIT": ("ocpp_rate_limit", _rate),
    "CHARGELINE_OCPP_FLOOD_LIMIT": ("ocpp_flood_limit", _rate),
    "CHARGELINE_BRIDGE_MODE": ("bridge_mode", _choice("standalone", "relay")),
    "CHARGELINE_RELAY_UPSTREAM": ("relay_upstream", _ws_url),
    "CHARGELINE_RELAY_CA_FILE": ("relay_ca_file", _readable_file),
    "CHARGELINE_RELAY_ON_UPSTREAM_LOSS": ("relay_on_upstream_loss", _choice("close", "hold")),
    "CHARGELINE_OCPP_TLS_CERT": ("ocpp_tls_cert", _readable_file),
    "CHARGELINE_OCPP_TLS_KEY": ("ocpp_tls_key", _readable_file),
    "CHARGELINE_OCPP_TLS_CLIENT_CA": ("ocpp_tls_client_ca", _readable_file),
    "CHARGELINE_TURN_GRACE": ("turn_grace", _seconds),
    "CHARGELINE_RECOVERY_INTERVAL": ("recovery_interval", _seconds),
    "CHARGELINE_RECOVERY_MAX_AGE": ("recovery_max_age", _seconds),
}


def read_dotenv(path: Path) -> dict[str, str]:
    """Read KEY=VALUE lines; blank lines and # comments are skipped."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")) -> Settings:
    """Build Settings from the environment (and `.env`); raise ConfigError listing every problem."""
    source: dict[str, str] = {}
    if dotenv is not None:
        source.update(read_dotenv(dotenv))
    source.update(os.environ if environ is None else environ)

    values: dict[str, object] = {}
    problems: list[str] = []
    for name, (attr, parse) in _VARIABLES.items():
        raw = source.get(name)
        if raw is None or raw.strip() == "":
            continue
        try:
            values[attr] = parse(raw.strip())
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
    problems.extend(_unknown_variables(source))
    if values.get("nlu_backend") == "rasa" and not values.get("rasa_url"):
        problems.append("CHARGELINE_RASA_URL: required when CHARGELINE_NLU=rasa")
    if bool(values.get("ocpp_tls_cert")) != bool(values.get("ocpp_tls_key")):
        problems.append("CHARGELINE_OCPP_TLS_CERT and CHARGELINE_OCPP_TLS_KEY: set both (wss://) or neither")
    if values.get("ocpp_tls_client_ca") and not values.get("ocpp_tls_cert"):
        problems.append("CHARGELINE_OCPP_TLS_CLIENT_CA: needs CHARGELINE_OCPP_TLS_CERT and _KEY (client "
                        "certificates are checked over TLS only)")
    if problems:
        raise ConfigError(problems)
    return Settings(**values)  # type: ignore[arg-type]


OURS = ("CHARGELINE_", "TWILIO_", "TELEGRAM_")
NOT_SETTINGS = ("CHARGELINE_TEST_",)  # the test suite's own switches (a database, a browser), never the app's


def _unknown_variables(source: Mapping[str, str]) -> list[str]:
    """A misspelt variable is an error, not silently ignored: `CHARGELINE_DATABSE_URL` would otherwise leave
    the default database in place, and `fleet import` would fill a fresh ./chargeline.db."""
    problems = []
    for name in sorted(source):
        if not name.startswith(OURS) or name.startswith(NOT_SETTINGS) or name in _VARIABLES:
            continue
        prefix = next(p for p in OURS if name.startswith(p))  # compared without it: all names share it
        close = difflib.get_close_matches(name.removeprefix(prefix), [
            known.removeprefix(prefix) for known in _VARIABLES if known.startswith(prefix)], n=1, cutoff=0.75)
        hint = f"; did you mean {prefix}{close[0]}?" if close else " (see the settings table in docs/operating.md)"
        problems.append(f"{name}: not a setting ChargeLine knows{hint}")
    return problems


def variable_names() -> list[str]:
    """Every environment variable ChargeLine reads (the table in docs/operating.md lists the same)."""
    return list(_VARIABLES)
