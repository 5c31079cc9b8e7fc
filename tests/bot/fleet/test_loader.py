from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.appstate import get_value
from bot.errors import FleetFileError
from bot.fleet import import_fleet, parse_fleet_file
from bot.fleet.loader import check_password
from bot.fleet.models import Charger, Connector, IdToken, Site
from bot.runtime import Runtime

DATA = Path(__file__).resolve().parents[2] / "data"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fleet.yml"
    path.write_text(text)
    return path


def test_the_documented_example_parses() -> None:
    fleet = parse_fleet_file(DATA / "fleet_small.yml")
    assert [s.id for s in fleet.sites] == ["berlin-depot", "a9-services"]
    cp = fleet.chargers[0]
    assert (cp.id, cp.label, cp.site) == ("CP-1042", "Station 12", "berlin-depot")
    assert [(c.id, c.type, c.max_kw) for c in cp.connectors] == [(1, "CCS2", 150.0), (2, "CHAdeMO", 50.0)]
    assert fleet.tokens[1].status == "Blocked"
    assert fleet.unknown_tokens == "accept" and fleet.auto_accept is False


def test_errors_name_the_line_and_the_field(tmp_path: Path) -> None:
    path = write(tmp_path, """\
sites:
  - {id: s1, type: fleet_depot}
chargers:
  - id: CP-1
    site: nowhere
    connectors: [{id: 1, type: CCS2, max_kw: 50}]
  - id: CP-1
    site: s1
    connectors: [{id: 1, type: Type 9, max_kw: 22}]
  - id: CP-3
    site: s1
    connectors:
      - {id: 1, type: CCS2, max_kw: -50}
""")
    with pytest.raises(FleetFileError) as caught:
        parse_fleet_file(path)
    problems = caught.value.problems
    assert f"{path}:4: charger CP-1: site 'nowhere' is not defined in sites" in problems
    assert any(p.startswith(f"{path}:9: charger CP-1 connector 1: type 'Type 9' is not one of") for p in problems)
    assert f"{path}:13: charger CP-3 connector 1: max_kw -50 must be positive" in problems
    assert f"{path}:7: duplicate charger id 'CP-1' (first on line 4)" in problems


def test_unknown_site_type_and_fields_are_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "sites:\n  - {id: s1, type: moon_base, colour: red}\nchargers: []\n")
    with pytest.raises(FleetFileError) as caught:
        parse_fleet_file(path)
    assert any("type 'moon_base' is not one of" in p for p in caught.value.problems)
    assert any("unknown field 'colour'" in p for p in caught.value.problems)


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "sites:\n  - id: s1\n   type: [unclosed\n")
    with pytest.raises(FleetFileError) as caught:
        parse_fleet_file(path)
    assert caught.value.problems[0].startswith(f"{path}:")
    assert "not valid YAML" in caught.value.problems[0]


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FleetFileError) as caught:
        parse_fleet_file(tmp_path / "missing.yml")
    assert "cannot read" in caught.value.problems[0]


def test_connector_type_spellings_are_normalised(tmp_path: Path) -> None:
    path = write(tmp_path, "sites: [{id: s, type: street}]\nchargers:\n"
                 "  - {id: C1, site: s, connectors: [{id: 1, type: type2, max_kw: 11}, {id: 2, type: chademo, max_kw: 50}]}\n")
    fleet = parse_fleet_file(path)
    assert [c.type for c in fleet.chargers[0].connectors] == ["Type 2", "CHAdeMO"]
    assert fleet.chargers[0].label == "C1"


def test_importing_twice_updates_and_never_duplicates(runtime: Runtime, tmp_path: Path) -> None:
    fleet = parse_fleet_file(DATA / "fleet_small.yml")
    first = import_fleet(runtime.sessions, fleet)
    assert (first.chargers_created, first.chargers_updated) == (2, 0)
    changed = write(tmp_path, (DATA / "fleet_small.yml").read_text().replace("max_kw: 150", "max_kw: 300")
                    .replace('label: "Station 12"', 'label: "Station 12A"'))
    second = import_fleet(runtime.sessions, parse_fleet_file(changed))
    assert (second.chargers_created, second.chargers_updated) == (0, 2)
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Charger)) == 2
        assert session.scalar(select(func.count()).select_from(Connector)) == 3
        assert session.scalar(select(func.count()).select_from(Site)) == 2
        assert session.scalar(select(func.count()).select_from(IdToken)) == 2
        cp = session.get(Charger, "CP-1042")
        assert cp is not None and cp.label == "Station 12A"
        assert cp.connectors[0].max_kw == 300.0
        assert check_password(cp.password_hash, "s3cret-key-for-cp-1042")
        assert not check_password(cp.password_hash, "wrong")
        assert get_value(session, "fleet.unknown_tokens") == "accept"


def test_labels_can_swap_between_chargers(runtime: Runtime, tmp_path: Path) -> None:
    base = "sites: [{id: s, type: street}]\nchargers:\n"
    one = write(tmp_path, base + "  - {id: A, site: s, label: X, connectors: [{id: 1, type: CCS2, max_kw: 50}]}\n"
                "  - {id: B, site: s, label: Y, connectors: [{id: 1, type: CCS2, max_kw: 50}]}\n")
    import_fleet(runtime.sessions, parse_fleet_file(one))
    two = write(tmp_path, base + "  - {id: A, site: s, label: Y, connectors: [{id: 1, type: CCS2, max_kw: 50}]}\n"
                "  - {id: B, site: s, label: X, connectors: [{id: 1, type: CCS2, max_kw: 50}]}\n")
    import_fleet(runtime.sessions, parse_fleet_file(two))
    with runtime.sessions() as session:
        assert {c.id: c.label for c in session.scalars(select(Charger))} == {"A": "Y", "B": "X"}
