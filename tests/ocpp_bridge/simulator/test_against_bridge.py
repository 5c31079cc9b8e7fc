"""The simulator against the real bridge (in-process, real sockets, real database): commands verified."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from ocpp_bridge.calls import CommandTimeout
from ocpp_bridge.server import Bridge
from ocpp_bridge.simulator import SimulatedFleet
from tests.ocpp_bridge.simulator.test_fleet import FLEET

PROTOCOLS = pytest.mark.parametrize("protocol", ["1.6", "2.0.1"])


@pytest.fixture
def scenario() -> dict[str, Any]:
    return {}


@pytest.fixture
async def fleet(bridge: Bridge, scenario: dict[str, Any], request: pytest.FixtureRequest) -> AsyncIterator[SimulatedFleet]:
    """The small fleet (CP-1042, CP-2001) connected to the bridge, playing `scenario`."""
    protocol = request.node.callspec.params.get("protocol", "1.6")
    async with SimulatedFleet(bridge.url, FLEET, scenario, protocol=protocol, reboot_delay=0.01) as simulated:
        yield simulated


async def run(bridge: Bridge, charger_id: str, action: str, **params: Any) -> dict[str, Any]:
    return await bridge.service.run(charger_id, action, params, verify=True, requested_by="api")


@PROTOCOLS
@pytest.mark.parametrize("scenario", [{"CP-1042": {"behaviour": "faulted_until_reset", "error_code": "GroundFailure"}}])
async def test_reset_clears_a_fault_and_is_verified(bridge: Bridge, fleet: SimulatedFleet, protocol: str) -> None:
    cp = fleet["CP-1042"]
    assert cp.status(1) == "Faulted"
    result = await run(bridge, "CP-1042", "Reset", type="Soft")
    assert result["status"] == "Accepted" and result["verified"] is True
    await cp.wait_status(1, "Available")
    assert cp.boots == 2 and cp.error_code(1) == "NoError"


@PROTOCOLS
@pytest.mark.parametrize("scenario", [{"CP-1042": "cable_locked"}])
async def test_unlock_releases_a_stuck_cable_and_is_verified(bridge: Bridge, fleet: SimulatedFleet,
                                                             protocol: str) -> None:
    cp = fleet["CP-1042"]
    assert cp.status(1) == "Finishing"
    result = await run(bridge, "CP-1042", "UnlockConnector", connector_id=1)
    assert result["status"] == "Unlocked" and result["verified"] is True
    await cp.wait_status(1, "Available")
    assert [(r.action, r.response) for r in cp.received] == [("UnlockConnector", "Unlocked")]


@pytest.mark.parametrize("scenario", [{"CP-1042": "hardware_fault"}])
async def test_unlock_on_broken_hardware_is_reported_failed(bridge: Bridge, fleet: SimulatedFleet) -> None:
    result = await run(bridge, "CP-1042", "UnlockConnector", connector_id=1)
    assert result["status"] == "UnlockFailed" and result["verified"] is False
    assert fleet["CP-1042"].status(1) == "Faulted"


@pytest.mark.parametrize("scenario", [{"CP-1042": {"behaviour": "hardware_fault", "error_code": "GroundFailure"}}])
async def test_reset_does_not_count_as_fixing_a_hardware_fault(bridge: Bridge, fleet: SimulatedFleet) -> None:
    result = await run(bridge, "CP-1042", "Reset", type="Hard")
    assert fleet["CP-1042"].status(1) == "Faulted"
    assert result["verified"] is False


@pytest.mark.parametrize("scenario", [{"CP-1042": "silent"}])
async def test_a_silent_charger_times_out(bridge: Bridge, fleet: SimulatedFleet) -> None:
    with pytest.raises(CommandTimeout):
        await run(bridge, "CP-1042", "Reset", type="Soft")
    assert [(r.action, r.response) for r in fleet["CP-1042"].received] == [("Reset", None)]


@PROTOCOLS
@pytest.mark.parametrize("scenario", [{"CP-2001": "rfid_rejected"}])
async def test_blocked_card_is_rejected_by_the_fleet_tokens(bridge: Bridge, fleet: SimulatedFleet,
                                                            protocol: str) -> None:
    cp = fleet["CP-2001"]
    await cp.plug_in(1)
    assert await cp.present_card() == "Blocked"
    assert await cp.present_card("04A2B3C4D5") == "Accepted"
    assert cp.status(1) == "Charging"
    result = await run(bridge, "CP-2001", "RemoteStopTransaction", transaction_id=cp.transaction_id(1))
    assert result["status"] == "Accepted" and result["verified"] is True
    await cp.wait_status(1, "Finishing")
    assert cp.transaction_id(1) is None
