"""The charger snapshot: fleet data from a cached profile reads the same as from the database; history windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.fleet.profile import load_charger_profile, load_charger_profiles
from bot.runtime import Runtime
from ocpp_bridge.models import ChargingSession
from ocpp_bridge.state import RECENT_SESSIONS, charger_snapshot

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _add_sessions(runtime: Runtime, charger_id: str, outcomes: list[str]) -> None:
    with runtime.sessions.begin() as session:
        for n, outcome in enumerate(outcomes):
            session.add(ChargingSession(charger_id=charger_id, connector_id=1, transaction_id=str(n + 1),
                                        outcome=outcome, started_at=START + timedelta(minutes=n),
                                        energy_wh=1000.0 * n))


def test_a_long_running_session_stays_active_behind_many_newer_ones(fleet_runtime: Runtime) -> None:
    _add_sessions(fleet_runtime, "CP-1042", ["active"] + ["completed"] * (RECENT_SESSIONS + 2) + ["active"])
    with fleet_runtime.sessions() as session:
        snap = charger_snapshot(session, "CP-1042")
    assert snap is not None
    assert [s["transaction_id"] for s in snap["active_transactions"]] == ["1", str(RECENT_SESSIONS + 4)]
    assert snap["active_transaction"]["transaction_id"] == str(RECENT_SESSIONS + 4)
    recent = [s["transaction_id"] for s in snap["recent_sessions"]]
    assert recent == [str(n) for n in range(RECENT_SESSIONS + 4, 4, -1)]  # the newest ten, newest first


def test_a_cached_profile_gives_the_same_snapshot_as_the_database(fleet_runtime: Runtime) -> None:
    _add_sessions(fleet_runtime, "CP-1042", ["completed", "active"])
    with fleet_runtime.sessions() as session:
        profiles = load_charger_profiles(session)
        assert profiles["CP-1042"] == load_charger_profile(session, "CP-1042")
        from_db = charger_snapshot(session, "CP-1042")
        from_cache = charger_snapshot(session, "CP-1042", profiles["CP-1042"])
    assert from_db is not None and from_db["label"] and from_db["site_type"] and from_db["connectors"]
    assert from_cache == from_db


def test_an_unknown_charger_has_no_snapshot(fleet_runtime: Runtime) -> None:
    with fleet_runtime.sessions() as session:
        assert load_charger_profile(session, "CP-NOPE") is None
        assert charger_snapshot(session, "CP-NOPE") is None
