"""ChargeLine's own standalone bridge as the operator's CSMS, with a relay in front: both read the same charger."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.fleet import import_fleet, parse_fleet_file
from bot.runtime import Runtime, start_runtime
from ocpp_bridge.relay import RelayConfig
from ocpp_bridge.server import Bridge
from ocpp_bridge.simulator import SimulatedFleet
from tests.ocpp_bridge.conftest import FLEET, TEST_OPTIONS
from tests.ocpp_bridge.test_relay_commands import settled

PROTOCOLS = pytest.mark.parametrize("protocol", ["1.6", "2.0.1"])


@pytest.fixture
def upstream_runtime(tmp_path: Path) -> Iterator[Runtime]:
    """The operator's side: its own database with the same fleet (it authorises tokens and checks passwords)."""
    runtime = start_runtime(Settings(database_url=f"sqlite:///{tmp_path / 'operator.db'}", data_dir=tmp_path / "op",
                                     api_token="operator-token", secret_key="operator-secret"), announce=False)
    import_fleet(runtime.sessions, parse_fleet_file(FLEET))
    yield runtime
    runtime.close()


@pytest.fixture
async def chain(fleet_runtime: Runtime, upstream_runtime: Runtime,
                request: pytest.FixtureRequest) -> AsyncIterator[tuple[Bridge, Bridge, SimulatedFleet]]:
    """Simulated fleet -> relay -> standalone bridge."""
    protocol = request.node.callspec.params.get("protocol", "1.6")
    async with Bridge(upstream_runtime, "127.0.0.1", 0, 0, options=TEST_OPTIONS) as operator:
        async with Bridge(fleet_runtime, "127.0.0.1", 0, 0, options=TEST_OPTIONS,
                          relay=RelayConfig(upstream=operator.url)) as relay:
            async with SimulatedFleet(relay.url, FLEET, {}, protocol=protocol, reboot_delay=0.01) as fleet:
                yield relay, operator, fleet


@PROTOCOLS
async def test_both_read_the_same_session_with_the_operators_transaction_id(
        chain: tuple[Bridge, Bridge, SimulatedFleet], protocol: str) -> None:
    relay, operator, fleet = chain
    cp = fleet["CP-1042"]  # has a password: passed through the relay, checked by the operator's bridge
    await cp.plug_in(1)
    assert await cp.present_card("0BADCAFE01", 1) == "Blocked"  # the operator's token list decides
    assert await cp.present_card("04A2B3C4D5", 1) == "Accepted"
    charging = "Charging" if protocol == "1.6" else "Occupied"
    ours = await settled(relay, "CP-1042", lambda s: s["active_transaction"] and len(s["recent_sessions"]) == 2
                         and s["connectors"][0]["status"] == charging)
    theirs = await settled(operator, "CP-1042", lambda s: s["active_transaction"] is not None
                           and s["connectors"][0]["status"] == charging)
    assert ours["active_transaction"]["transaction_id"] == theirs["active_transaction"]["transaction_id"]
    assert ours["recent_sessions"][1]["reason"] == "authorization Blocked"


@PROTOCOLS
async def test_the_operators_command_passes_through_and_ours_stays_ours(
        chain: tuple[Bridge, Bridge, SimulatedFleet], protocol: str) -> None:
    relay, operator, fleet = chain
    cp = fleet["CP-2001"]
    theirs = await operator.service.run("CP-2001", "UnlockConnector", {"connector_id": 1}, requested_by="api")
    ours = await relay.service.run("CP-2001", "Reset", {"type": "Soft"}, requested_by="api")
    await cp.wait_connected()
    seen_upstream = await settled(operator, "CP-2001", lambda s: s["boot"] and s["boot"]["booted_at"])
    assert theirs["status"] == "Unlocked" and ours["status"] == "Accepted" and ours["verified"] is True
    assert [r.action for r in cp.received] == ["UnlockConnector", "Reset"]
    with operator.runtime.sessions() as session:
        from sqlalchemy import select

        from ocpp_bridge.models import CommandAudit, StatusEvent

        audited = [row.action for row in session.scalars(select(CommandAudit))]
        boots = session.scalars(select(StatusEvent).where(StatusEvent.charger_id == "CP-2001",
                                                          StatusEvent.kind == "boot")).all()
    assert audited == ["UnlockConnector"]  # the operator ran its own command only ...
    assert len(boots) == 2 and seen_upstream["online"] is True  # ... and saw the reboot ours caused
