"""Acceptance tests of the conversation core: the real NLU, bridge, simulator, policy, knowledge and tickets."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handoff.models import Ticket
from ocpp_bridge.models import CommandAudit, SafetyLock
from tests.bot.conversation.conftest import texts
from tests.bot.conversation.live import LiveStack

pytestmark = [pytest.mark.slow]


def scenario(chargers: dict) -> pytest.MarkDecorator:
    """Run the test against a simulated fleet playing these fault scripts."""
    return pytest.mark.parametrize("live", [chargers], indirect=True, ids=["scenario"])


def tickets(live: LiveStack) -> list[Ticket]:
    with live.runtime.sessions() as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def audit(live: LiveStack) -> list[tuple[str, str, bool | None]]:
    with live.runtime.sessions() as session:
        rows = session.scalars(select(CommandAudit).order_by(CommandAudit.id))
        return [(r.action, r.status, r.verified) for r in rows]


@scenario({"CP-2001": {"behaviour": "faulted_until_reset", "error_code": "InternalError"}})
def test_a_faulted_charger_is_recovered_by_a_verified_reset(live: LiveStack) -> None:
    seen = live.say("station 8 won't start")
    said = texts(seen)
    assert "I'm looking at Station 8: it is online, and connector 1 (Type 2) is reporting a fault." in said
    assert "internal software or hardware error" in said.lower()
    assert seen.replies[-1].text.endswith("Shall I do it?")
    done = live.say("yes")
    assert done.replies[0].text.startswith("Done: I restarted Station 8 and it now reports ready.")
    assert audit(live) == [("Reset", "Accepted", True)]
    resolved = live.say("yes it works now")
    assert resolved.replies[0].text.startswith("Great, glad it's charging now.")
    assert tickets(live) == []


@scenario({"CP-2001": {"behaviour": "hardware_fault", "error_code": "InternalError"}})
def test_a_hardware_fault_that_survives_the_reset_is_handed_to_a_technician(live: LiveStack) -> None:
    live.say("station 8 won't start")
    result = live.say("yes")
    assert "the fault is still there, so it needs a technician" in texts(result)
    handoff = result.replies[-1].handoff
    assert handoff is not None
    [ticket] = tickets(live)
    assert (handoff.ticket_id, ticket.charger_id) == (f"T-{ticket.id:06d}", "CP-2001")
    assert ticket.intent == "start_failure"
    assert ticket.tier in ("field_engineering", "tier2")
    assert [(a["action"], a["result"]) for a in ticket.actions] == [("Reset", "Accepted")]
    assert ticket.transcript[0] == {"from": "driver", "text": "station 8 won't start", "at": ticket.transcript[0]["at"]}


@scenario({"CP-2001": {"behaviour": "hardware_fault", "error_code": "GroundFailure"}})
def test_a_ground_fault_goes_to_field_engineering_without_a_reset(live: LiveStack) -> None:
    result = live.say("station 8 won't start")
    assert "electrical safety fault" in texts(result)
    assert result.replies[-1].handoff is not None and result.replies[-1].handoff.tier == "field_engineering"
    assert audit(live) == []
    [ticket] = tickets(live)
    assert (ticket.tier, ticket.priority) == ("field_engineering", "P1")


@scenario({"CP-2001": {"behaviour": "cable_locked"}})
def test_a_stuck_cable_is_unlocked_and_verified(live: LiveStack) -> None:
    asked = live.say("I can't unplug my cable at station 8")
    assert asked.replies[-1].text == "Shall I unlock connector 1 on Station 8 so you can unplug?"
    done = live.say("yes please")
    assert done.replies[0].text.startswith("Connector 1 is unlocked. Pull the plug out now.")
    assert audit(live) == [("UnlockConnector", "Unlocked", True)]
    assert tickets(live) == []


@scenario({})
def test_a_safety_report_takes_the_charger_out_of_service_and_hands_off(live: LiveStack) -> None:
    result = live.say("there's smoke coming out of station 8")
    assert result.replies[0].text.startswith("Please step away from the charger")
    assert "I've taken Station 8 out of service" in texts(result)
    handoff = result.replies[-1].handoff
    assert handoff is not None and (handoff.tier, handoff.priority) == ("field_engineering", "P1")
    assert audit(live) == [("ChangeAvailability", "Accepted", True)]
    with live.runtime.sessions() as session:
        assert session.get(SafetyLock, "CP-2001") is not None
    [ticket] = tickets(live)
    assert (ticket.tier, ticket.priority, ticket.charger_id) == ("field_engineering", "P1", "CP-2001")
    assert ticket.actions[0]["action"] == "ChangeAvailability"
    later = live.say("it stopped smoking, can you restart station 8 for me?")
    assert later.replies
    assert audit(live) == [("ChangeAvailability", "Accepted", True)]  # never another remote action


@scenario({})
def test_a_knowledge_question_is_answered_without_a_ticket(live: LiveStack) -> None:
    result = live.say("how do I pay at station 8?")
    assert result.replies and all(r.handoff is None for r in result.replies)
    assert "app" in texts(result).lower()
    assert tickets(live) == [] and audit(live) == []


@scenario({})
def test_a_refused_card_is_explained_from_what_the_charger_reported(live: LiveStack) -> None:
    verdict = live.run(live.fleet["CP-2001"].present_card("0BADCAFE01"))
    assert verdict == "Blocked"
    result = live.say("station 8 rejects my rfid card, it says invalid card")
    assert "our system reports it as blocked" in texts(result)
    assert "contact your card provider" in texts(result)
    assert tickets(live) == [] and audit(live) == []
