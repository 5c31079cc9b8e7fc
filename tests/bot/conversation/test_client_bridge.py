"""The engine's bridge port over `ocpp_bridge.client.BridgeClient`, against the real bridge and simulator."""

from __future__ import annotations

import pytest

from bot.errors import ChargerUnreachable
from tests.bot.conversation.live import LiveStack

pytestmark = [pytest.mark.slow]


@pytest.mark.parametrize("live", [{"CP-2001": "silent"}], indirect=True, ids=["silent"])
def test_a_charger_that_never_answers_is_an_unverified_timeout(live: LiveStack) -> None:
    assert live.engine is not None
    result = live.engine.deps.bridge.command("CP-2001", "TriggerMessage", {"requested_message": "Heartbeat"}, requested_by="bot:test")
    assert (result.status, result.verified) == ("Timeout", False)
    assert result.audit_id is not None


def test_an_unknown_charger_is_unreachable_and_a_healthy_one_answers(live: LiveStack) -> None:
    assert live.engine is not None
    with pytest.raises(ChargerUnreachable, match="does not know CP-9999"):
        live.engine.deps.bridge.command("CP-9999", "TriggerMessage", {"requested_message": "Heartbeat"}, requested_by="bot:test")
    with live.runtime.sessions() as session:
        snap = live.engine.deps.bridge.snapshot(session, "CP-1042")
    assert snap is not None and snap.online is True
