"""The typed snapshot: its JSON reads back unchanged, older and partial JSON reads, and its predicates."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ocpp_bridge.snapshot import ChargerSnapshot, ChargeSession, Connector, StatusReport
from tests.ocpp_bridge.test_snapshot_json import TICKET_SNAPSHOT

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_the_json_reads_back_into_the_same_json() -> None:
    data = json.loads(TICKET_SNAPSHOT)
    snap = ChargerSnapshot.from_json(data)
    assert json.dumps(snap.to_json()) == TICKET_SNAPSHOT
    assert snap.connectors[0].since == datetime(2026, 12, 1, 8, 2)
    assert snap.active_transaction is not None and snap.active_transaction.transaction_id == "42"


def test_a_monitoring_tickets_partial_snapshot_and_an_empty_one_read_as_unknown() -> None:
    offline = ChargerSnapshot.from_json({"online": False, "offline_since": "2026-12-01T08:00:00",
                                         "offline_reason": "connection lost", "last_heartbeat": None})
    assert (offline.online, offline.offline_reason, offline.connectors, offline.boot) == (
        False, "connection lost", (), None)
    assert offline.ever_seen is True and offline.offline_minutes(NOW) == 60.0
    empty = ChargerSnapshot.from_json({})
    assert (empty.ever_seen, empty.faulted, empty.active_session(), empty.offline_minutes(NOW)) == (
        False, False, None, 0.0)


def test_older_json_with_only_the_newest_running_session_still_has_it() -> None:
    snap = ChargerSnapshot.from_json({"id": "CP-1", "online": True,
                                      "active_transaction": {"connector_id": 2, "transaction_id": "7"}})
    assert [s.transaction_id for s in snap.active_transactions] == ["7"]
    assert snap.busy_connector == 2 and snap.sessions_on(1) == () and snap.active_session(1) is None


def test_faulted_means_out_of_order_or_an_error_code_and_no_error_is_not_one() -> None:
    plugs = (Connector(id=1, status="Available", error_code="NoError"),
             Connector(id=2, status="Charging", error_code="OverCurrentFailure"),
             Connector(id=3, status="Unavailable"))
    snap = ChargerSnapshot(id="CP-1", online=True, connectors=plugs,
                           charger_status=StatusReport(status="Available"))
    assert [c.id for c in snap.faulted_plugs] == [2, 3]
    assert [c.id for c in snap.free_plugs] == [1]
    assert snap.error_codes == ["OverCurrentFailure"]
    assert [c.erroring for c in plugs] == [False, True, False]
    assert snap.busy_connector == 2  # the only plug in use


def test_the_whole_charger_is_not_a_plug() -> None:
    snap = ChargerSnapshot(id="CP-1", connectors=(Connector(id=0, status="Faulted"), Connector(id=1, status="Available")))
    assert [c.id for c in snap.plugs] == [1] and snap.faulted is True and snap.faulted_plugs == ()


def test_a_running_session_counts_on_its_connector_and_on_any_when_it_names_none() -> None:
    snap = ChargerSnapshot(id="CP-1", active_transactions=(ChargeSession(connector_id=1, outcome="active"),
                                                           ChargeSession(connector_id=None, outcome="active")))
    assert len(snap.sessions_on(1)) == 2 and len(snap.sessions_on(2)) == 1 and len(snap.sessions_on(None)) == 2
    assert snap.active_session(2) is snap.active_transaction
