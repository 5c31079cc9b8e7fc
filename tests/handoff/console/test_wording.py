"""The ticket page in words: remote actions, the charger's connection line, the suggested next step."""

from __future__ import annotations

from handoff.console.wording import charger_line, describe_action, next_step
from ocpp_bridge.snapshot import ChargerSnapshot


def test_a_verified_out_of_service_command_reads_as_a_sentence() -> None:
    action = {"action": "ChangeAvailability", "params": {"connector_id": 0, "type": "Inoperative"},
              "result": "Accepted", "verified": True, "by": "bot:c-1"}
    assert describe_action(action) == ("Made the whole charger (connector 0) inoperative — verified by the charger"
                                       " · by the bot")


def test_an_agent_s_refused_and_unverified_commands_say_so() -> None:
    refused = {"action": "UnlockConnector", "params": {"connector_id": 2}, "result": "Refused", "verified": False,
               "by": "agent:theo"}
    unverified = {"action": "Reset", "params": {"type": "Soft"}, "result": "Accepted", "verified": False,
                  "by": "agent:theo"}
    assert describe_action(refused) == "Unlocked connector 2 — refused by the approved-actions policy · by theo"
    assert describe_action(unverified) == ("Soft reset of the charger — accepted, but the charger's state did not "
                                           "confirm it · by theo")


def test_the_charger_line_says_online_since_and_last_heard_from_one_snapshot() -> None:
    online = {"online": True, "online_since": "2026-11-15T10:00:00Z", "last_heartbeat": None,
              "last_seen": "2026-11-15T10:31:12Z"}
    offline = {"online": False, "offline_since": "2026-11-15T09:00:00Z", "offline_reason": "connection closed"}
    assert charger_line(ChargerSnapshot.from_json(online)) == \
        "Online since 2026-11-15 10:00 UTC; last heard from 2026-11-15 10:31 UTC"
    assert charger_line(ChargerSnapshot.from_json(offline)) == "Offline since 2026-11-15 09:00 UTC (connection closed)"
    assert charger_line(None) == "No live state from the charger."


def test_call_the_driver_back_becomes_what_the_channel_allows() -> None:
    step = "Call the driver back now; isolate CP-1 on site; dispatch field engineering."
    assert next_step(step, "voice", "+4917700000001") == step
    assert next_step(step, "webchat", "session-abc") == ("Answer the driver in the chat (there is no phone number); "
                                                         "isolate CP-1 on site; dispatch field engineering.")
    assert next_step(step, "telegram", "12345").startswith("Message the driver on Telegram; isolate")
    assert next_step(step, "voice", None).startswith("Reach the driver if you can (they left no number")
