"""Fixtures: a tiny real central system on 127.0.0.1 for the simulator's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.server import serve

from tests.ocpp_bridge.simulator.minicsms import MiniCSMS


@pytest.fixture
async def csms() -> AsyncIterator[MiniCSMS]:
    """A running mini CSMS on 127.0.0.1 that knows any charger with password pw-123456."""
    central = MiniCSMS(passwords={})

    class AnyPassword(dict):  # type: ignore[type-arg]
        def get(self, key: Any, default: Any = None) -> Any:
            return super().get(key, "pw-123456")

    central.passwords = AnyPassword()
    async with serve(central.handler, "127.0.0.1", 0, subprotocols=["ocpp1.6", "ocpp2.0.1"],  # type: ignore[list-item]
                     process_request=central.process_request) as server:
        port = server.sockets[0].getsockname()[1]
        central.url = f"ws://127.0.0.1:{port}/ocpp"
        yield central
