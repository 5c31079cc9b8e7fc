"""A driver's conversation through a relay: the bot reads live state and runs a verified Reset; the CSMS never sees it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.runtime import Runtime
from ocpp_bridge.models import CommandAudit
from ocpp_bridge.relay import RelayConfig
from ocpp_bridge.relay_link import ID_PREFIX
from ocpp_bridge.server import Bridge
from ocpp_bridge.state import load_snapshot
from tests.bot.conversation.live import OPTIONS, LiveStack
from tests.ocpp_bridge.upstream import OperatorCSMS


class RelayedStack(LiveStack):
    """The live stack with its bridge in relay mode in front of the operator's CSMS."""

    def start(self) -> RelayedStack:
        self.thread.start()
        self.csms: OperatorCSMS = self.run(self._start_csms())
        self.bridge = Bridge(self.runtime, "127.0.0.1", 0, 0, options=OPTIONS,
                             relay=RelayConfig(upstream=self.csms.url))
        self.thread.start = lambda: None  # type: ignore[method-assign]  # already running
        super().start()
        self.wait_recorded("CP-2001", connector_id=1, status="Faulted")
        return self

    def wait_recorded(self, charger_id: str, *, connector_id: int, status: str, timeout: float = 15) -> None:
        """A relay records a frame just after passing it on: the charger can have its answer before the record
        is committed, so wait (bounded) until it is, as a driver typing would."""
        deadline = time.monotonic() + timeout
        while True:
            with self.runtime.sessions() as session:
                snapshot = load_snapshot(session, charger_id)
            connector = snapshot.connector(connector_id) if snapshot is not None else None
            if connector is not None and connector.status == status:
                return
            assert time.monotonic() < deadline, f"{charger_id} connector {connector_id} never recorded as {status}"
            time.sleep(0.05)

    async def _start_csms(self) -> OperatorCSMS:
        return await OperatorCSMS().start()

    def stop(self) -> None:
        try:
            self.run(self.csms.stop(), 20)
        finally:
            super().stop()


@pytest.fixture
def live(fleet_runtime: Runtime, trained_nlu: Any) -> Iterator[RelayedStack]:
    stack = RelayedStack(fleet_runtime, {"CP-2001": {"behaviour": "faulted_until_reset", "error_code": "InternalError"}},
                         trained_nlu).start()
    try:
        yield stack
    finally:
        stack.stop()


def test_a_faulted_charger_is_recovered_through_the_relay_and_the_csms_sees_only_the_reboot(
        live: RelayedStack) -> None:
    boots_before = live.csms.actions("CP-2001").count("BootNotification")
    seen = live.say("station 8 won't start")
    said = " ".join(r.text for r in seen.replies)
    assert "I'm looking at Station 8: it is online, and connector 1 (Type 2) is reporting a fault." in said
    done = live.say("yes")
    assert done.replies[0].text.startswith("Done: I restarted Station 8 and it now reports ready.")
    with live.runtime.sessions() as session:
        rows = [(r.action, r.status, r.verified) for r in session.scalars(select(CommandAudit))]
    assert rows == [("Reset", "Accepted", True)]
    sent_by_csms = " ".join(live.csms.sent.get("CP-2001", []))
    received_by_csms = " ".join(live.csms.received.get("CP-2001", []))
    assert "Reset" not in sent_by_csms and ID_PREFIX not in received_by_csms
    assert live.csms.actions("CP-2001").count("BootNotification") == boots_before + 1
