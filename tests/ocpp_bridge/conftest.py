"""Fixtures: a runtime with the small fleet, and an in-process bridge on real ports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.fleet import import_fleet, parse_fleet_file
from bot.runtime import Runtime
from ocpp_bridge.core import BridgeOptions
from ocpp_bridge.relay import RelayConfig
from ocpp_bridge.server import Bridge
from tests.ocpp_bridge.upstream import OperatorCSMS

FLEET = Path(__file__).resolve().parents[1] / "data" / "fleet_small.yml"
PASSWORD = "s3cret-key-for-cp-1042"
TEST_OPTIONS = BridgeOptions(command_timeout=1.5, verify_timeout=2.0, gc_freeze=False, watchdog_period=0.2,
                             heartbeat_flush=0.1)


@pytest.fixture
def fleet_runtime(runtime: Runtime) -> Runtime:
    """The started runtime with tests/data/fleet_small.yml imported."""
    import_fleet(runtime.sessions, parse_fleet_file(FLEET))
    return runtime


@pytest.fixture
async def bridge(fleet_runtime: Runtime) -> AsyncIterator[Bridge]:
    """A bridge node on free ports of 127.0.0.1 with short command timeouts."""
    async with Bridge(fleet_runtime, "127.0.0.1", 0, 0, options=TEST_OPTIONS) as node:
        yield node


@pytest.fixture
async def csms() -> AsyncIterator[OperatorCSMS]:
    """The operator's CSMS (built on the `ocpp` package) on a free port; CP-1042 must present its password."""
    central = await OperatorCSMS(passwords={"CP-1042": PASSWORD}).start()
    try:
        yield central
    finally:
        await central.stop()


@pytest.fixture
async def relay(fleet_runtime: Runtime, csms: OperatorCSMS) -> AsyncIterator[Bridge]:
    """A bridge node in relay mode in front of `csms` (on close: the charger's socket closes too)."""
    config = RelayConfig(upstream=csms.url, turn_wait=2.0)
    async with Bridge(fleet_runtime, "127.0.0.1", 0, 0, options=TEST_OPTIONS, relay=config) as node:
        yield node
