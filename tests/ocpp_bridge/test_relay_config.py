"""Relay configuration: the settings, the fleet file's `upstream:` (checked with line numbers) and its import."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError, FleetFileError
from bot.fleet import import_fleet, parse_fleet_file
from bot.fleet.loader import UpstreamSpec
from bot.fleet.models import Charger
from bot.runtime import Runtime
from ocpp_bridge.relay import RelayConfig, relay_config

FLEET = """\
sites:
  - {id: s1, name: Depot, type: fleet_depot}
chargers:
  - id: CP-A
    site: s1
    upstream: wss://csms.example:443/ocpp/
    connectors: [{id: 1, type: CCS2, max_kw: 50}]
  - id: CP-B
    site: s1
    upstream: {password: "presented-upstream"}
    connectors: [{id: 1, type: CCS2, max_kw: 50}]
  - id: CP-C
    site: s1
    connectors: [{id: 1, type: CCS2, max_kw: 50}]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fleet.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_relay_settings_are_parsed_once_and_checked() -> None:
    settings = load_settings({"CHARGELINE_BRIDGE_MODE": "relay", "CHARGELINE_RELAY_UPSTREAM": "ws://csms:9000/ocpp/",
                              "CHARGELINE_RELAY_ON_UPSTREAM_LOSS": "hold"}, dotenv=None)
    assert relay_config(settings) == RelayConfig(upstream="ws://csms:9000/ocpp", on_upstream_loss="hold")
    assert relay_config(load_settings({}, dotenv=None)) is None
    with pytest.raises(ConfigError) as bad:
        load_settings({"CHARGELINE_BRIDGE_MODE": "proxy", "CHARGELINE_RELAY_UPSTREAM": "http://csms/ocpp",
                       "CHARGELINE_RELAY_ON_UPSTREAM_LOSS": "retry", "CHARGELINE_RELAY_CA_FILE": "/no/such.pem"},
                      dotenv=None)
    assert bad.value.problems == [
        "CHARGELINE_BRIDGE_MODE: 'proxy' is not one of standalone, relay",
        "CHARGELINE_RELAY_UPSTREAM: 'http://csms/ocpp' is not a ws:// or wss:// URL",
        "CHARGELINE_RELAY_CA_FILE: /no/such.pem does not exist or is not a file",
        "CHARGELINE_RELAY_ON_UPSTREAM_LOSS: 'retry' is not one of close, hold",
    ]


def test_the_fleet_files_upstream_is_a_url_or_a_mapping(tmp_path: Path) -> None:
    fleet = parse_fleet_file(write(tmp_path, FLEET))
    assert [c.upstream for c in fleet.chargers] == [
        UpstreamSpec("wss://csms.example:443/ocpp"), UpstreamSpec(None, "presented-upstream"), None]
    assert "presented-upstream" not in repr(fleet.chargers[1])


def test_a_bad_upstream_is_reported_with_its_line(tmp_path: Path) -> None:
    text = FLEET.replace("wss://csms.example:443/ocpp/", "https://csms.example/ocpp").replace(
        '{password: "presented-upstream"}', "{url: ws://ok/ocpp, user: x}")
    with pytest.raises(FleetFileError) as bad:
        parse_fleet_file(write(tmp_path, text))
    name = str(tmp_path / "fleet.yml")
    assert bad.value.problems == [
        f"{name}:4: charger CP-A: upstream url 'https://csms.example/ocpp' is not a ws:// or wss:// URL",
        f"{name}:10: charger CP-B upstream: unknown field 'user' (expected one of password, url)",
    ]


def test_importing_stores_and_clears_the_upstream(fleet_runtime: Runtime, tmp_path: Path) -> None:
    import_fleet(fleet_runtime.sessions, parse_fleet_file(write(tmp_path, FLEET)))
    without = FLEET.replace("    upstream: wss://csms.example:443/ocpp/\n", "")
    import_fleet(fleet_runtime.sessions, parse_fleet_file(write(tmp_path, without)))
    with fleet_runtime.sessions() as session:
        a, b = session.get(Charger, "CP-A"), session.get(Charger, "CP-B")
        assert a is not None and b is not None
        assert (a.upstream_url, a.upstream_password) == (None, None)
        assert (b.upstream_url, b.upstream_password) == (None, "presented-upstream")
