"""The approved-actions policy decides bot requests from live state and history, and explains refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import ConfigError
from ocpp_bridge.policy import AuditEntry, load_policy
from ocpp_bridge.snapshot import ChargerSnapshot, ChargeSession, Connector

NOW = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)


def snapshot(status: str = "Available", error: str | None = None, session_on: int | None = None) -> ChargerSnapshot:
    active = (ChargeSession(connector_id=session_on, transaction_id="1", outcome="active"),) if session_on else ()
    return ChargerSnapshot(id="CP-1", online=True, active_transactions=active,
                           connectors=(Connector(id=1, status=status, error_code=error),
                                       Connector(id=2, status="Available")))


def check(action: str, snap: ChargerSnapshot, history=(), params=None, by: str = "bot:c1", connector: int | None = 1):
    return load_policy().check(action, charger_id="CP-1", connector_id=connector, snapshot=snap,
                               history=list(history), requested_by=by, now=NOW, params=params)


def test_a_soft_reset_is_allowed_on_a_faulted_connector_with_confirmation() -> None:
    decision = check("Reset", snapshot("Faulted", "GroundFailure"), params={"type": "Soft"})
    assert (decision.allowed, decision.needs_confirmation) == (True, True)


def test_a_reset_is_never_allowed_while_a_healthy_session_runs_on_that_connector() -> None:
    charging = snapshot("Charging", session_on=1)
    # another connector's fault does not justify it
    snap = replace(charging, connectors=(charging.connectors[0], Connector(id=2, status="Available",
                                                                           error_code="OtherError")))
    decision = check("Reset", snap, params={"type": "Soft"})
    assert decision.allowed is False
    assert decision.reason == "Reset is not approved while healthy session on connector"


def test_unlock_is_refused_while_charging_and_allowed_after() -> None:
    assert check("UnlockConnector", snapshot("Charging", session_on=1)).reason == \
        "UnlockConnector is only approved when not charging"
    assert check("UnlockConnector", snapshot("Finishing")).allowed is True


def test_limits_per_charger_per_conversation_and_cooldown() -> None:
    faulted = snapshot("Faulted")
    earlier = [AuditEntry("CP-1", "Reset", "bot:other", NOW - timedelta(minutes=m)) for m in (30, 50)]
    assert "already tried 2 times on CP-1 in the last hour (limit 2)" in check(
        "Reset", faulted, earlier, {"type": "Soft"}).reason
    mine = [AuditEntry("CP-9", "Reset", "bot:c1", NOW - timedelta(hours=3))]
    assert "already used 1 times in this conversation" in check("Reset", faulted, mine, {"type": "Soft"}).reason
    recent = [AuditEntry("CP-1", "Reset", "bot:other", NOW - timedelta(minutes=4))]
    assert check("Reset", faulted, recent, {"type": "Soft"}).reason == \
        "Reset was run on CP-1 4 min ago; wait 6 more min"
    refused = [AuditEntry("CP-1", "Reset", "bot:c1", NOW - timedelta(minutes=1), status="Refused")]
    assert check("Reset", faulted, refused, {"type": "Soft"}).allowed is True


def test_2_0_1_names_share_the_1_6_rules_and_unlisted_actions_are_refused() -> None:
    assert check("RequestStopTransaction", snapshot("Charging", session_on=1)).allowed is True
    assert check("RequestStopTransaction", snapshot()).allowed is False
    assert check("UpdateFirmware", snapshot()).reason == "UpdateFirmware is not an approved remote action for the bot"


@pytest.mark.parametrize("text,problem", [
    ("actions:\n  Reset:\n    confirm: true\n    retries: 3\n", ":4: Reset: unknown key 'retries'"),
    ("actions:\n  Reboot: {}\n", ":2: unknown action 'Reboot'"),
    ("actions:\n  Reset:\n    per_conversation: -1\n", ":3: Reset: per_conversation must be a non-negative number"),
    ("actions: [\n", ":2: not valid YAML"),
    ("defaults: {}\n", ":1: `actions:` must map action names to rules"),
])
def test_a_bad_policy_file_names_the_line(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    assert any(line.startswith(str(path)) and problem in line for line in info.value.problems), info.value.problems


def test_a_custom_policy_file_replaces_the_default(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("defaults: {per_conversation: 1}\nactions:\n  ClearCache: {confirm: true}\n")
    policy = load_policy(path)
    assert sorted(policy.rules) == ["ClearCache"] and policy.rules["ClearCache"].per_conversation == 1
