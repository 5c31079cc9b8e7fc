"""Whole conversations for every playbook, with small fakes for the bridge, NLU, policy, KB and tickets."""

from __future__ import annotations

from tests.bot.conversation.conftest import texts
from tests.bot.conversation.fakes import Result, connector, snapshot


def faulted(bridge, code: str = "InternalError") -> None:  # type: ignore[no-untyped-def]
    bridge.snapshots["CP-2001"] = snapshot("CP-2001", "Station 8", [connector(1, "Type 2", 22, "Faulted", code)])


def reset_clears(bridge):  # type: ignore[no-untyped-def]
    def script(charger_id: str, params: dict) -> Result:
        bridge.snapshots[charger_id]["connectors"][0].update(status="Available", error_code="NoError")
        return Result("Accepted", True)
    return script


def test_a_faulted_charger_is_reset_after_a_yes_and_the_driver_confirms_it_works(say, bridge, parts) -> None:
    faulted(bridge)
    bridge.scripts["Reset"] = reset_clears(bridge)
    first = say("station 8 won't start")
    assert "connector 1 (Type 2) is reporting a fault" in texts(first)
    assert "Connector 1 reports a fault (code InternalError)." in texts(first)
    assert bridge.commands == []  # the policy wants the driver's yes first
    done = say("yes")
    assert bridge.commands == [("CP-2001", "Reset", {"type": "Soft"}, f"bot:{first.conversation_id}")]
    assert done.replies[0].text.startswith("Done: I restarted Station 8 and it now reports ready.")
    assert [c.payload for c in done.replies[0].choices] == ["yes", "no"]
    assert say("yes").replies[0].text.startswith("Great, glad it's charging now.")
    assert parts["tickets"].drafts == []


def test_a_reset_that_did_not_help_the_driver_becomes_a_tier2_ticket(say, bridge, parts) -> None:
    faulted(bridge)
    bridge.scripts["Reset"] = reset_clears(bridge)
    say("station 8 won't start")
    say("yes")
    result = say("no")
    draft = parts["tickets"].drafts[0]
    assert (draft["tier"], draft["rule"], draft["charger_id"]) == ("tier2", "recovery_did_not_help", "CP-2001")
    assert draft["actions"][0]["action"] == "Reset" and draft["actions"][0]["verified"] is True
    assert "remote recovery attempted" in draft["summary"]
    assert result.replies[-1].handoff is not None and result.replies[-1].handoff.ticket_id == "T-000001"


def test_a_fault_that_survives_the_reset_goes_to_field_engineering(say, bridge, parts) -> None:
    faulted(bridge)
    bridge.scripts["Reset"] = lambda cid, params: Result("Accepted", False)
    say("station 8 won't start")
    result = say("yes")
    assert "the fault is still there, so it needs a technician" in texts(result)
    assert result.replies[-1].handoff.tier == "field_engineering"
    assert parts["tickets"].drafts[0]["suggested_next_step"] == "hardware fault likely: dispatch a technician"


def test_a_fault_no_reset_can_fix_is_handed_off_without_trying(say, bridge, parts) -> None:
    faulted(bridge, "GroundFailure")
    result = say("station 8 won't start")
    assert bridge.commands == []
    assert "A remote restart won't fix this one." in texts(result)
    assert result.replies[-1].handoff.tier == "field_engineering"


def test_a_reset_the_policy_refuses_is_explained_and_handed_off(say, bridge, parts) -> None:
    faulted(bridge)
    parts["policy"].allowed.discard("Reset")
    result = say("station 8 won't start")
    assert "I'm not allowed to restart Station 8 right now (Reset is not in the approved policy)." in texts(result)
    assert bridge.commands == [] and result.replies[-1].handoff.tier == "tier2"


def test_saying_no_to_the_reset_offers_a_person(say, bridge, parts) -> None:
    faulted(bridge)
    say("station 8 won't start")
    declined = say("no")
    assert declined.replies[0].text == "OK, I won't do that. Would you like me to pass you to a colleague instead?"
    assert bridge.commands == []
    assert say("yes").replies[-1].handoff is not None


def test_an_offline_charger_is_said_plainly_and_handed_to_tier2(say, bridge, parts) -> None:
    bridge.snapshots["CP-2001"]["online"] = False
    result = say("station 8 won't start")
    assert result.replies[0].text.startswith("I can see that Station 8 is offline right now (last heard from at 21:55 UTC)")
    assert parts["tickets"].drafts[0]["rule"] == "charger_offline"
    assert result.replies[-1].handoff.tier == "tier2"


def test_a_healthy_charger_gets_the_start_sequence_guide(say, parts) -> None:
    result = say("station 8 won't start")
    assert "The charger itself looks fine, so it is most likely the start sequence:" in texts(result)
    assert "[guide how_to_start at CP-2001]" in texts(result)
    assert parts["tickets"].drafts == []


def test_check_status_says_whether_it_can_be_used(say, bridge, parts) -> None:
    assert "You can use it now." in texts(say("is station 8 working?"))
    bridge.snapshots["CP-1042"]["online"] = False
    offline = say("is station 12 working?")
    assert "Please use another charger for now. I've reported it (ticket T-000001)." in texts(offline)
    assert all(r.handoff is None for r in offline.replies)


def test_charger_unavailable_explains_another_session(say, bridge) -> None:
    bridge.snapshots["CP-2001"] = snapshot("CP-2001", "Station 8", [connector(1, "Type 2", 22, "Charging")],
                                           tx={"id": 7, "connector_id": 1, "power_kw": 11.0, "energy_kwh": 4.2})
    result = say("station 8 says unavailable")
    assert "A session is running on connector 1 (11 kW now, 4.2 kWh so far)." in texts(result)
    assert "It is in use by another session at the moment" in texts(result)


def test_charging_stopped_by_the_car_is_explained(say, bridge) -> None:
    bridge.snapshots["CP-2001"]["connectors"][0]["status"] = "SuspendedEV"
    assert "The car has paused charging" in texts(say("charging stopped at station 8"))


def test_an_error_on_the_screen_is_explained_from_the_knowledge_base(say) -> None:
    result = say("the screen shows E42 at station 8")
    assert "The charger doesn't report a fault right now. \"E42\" means: EV not detected." in texts(result)
    assert "[guide error_message at CP-2001]" in texts(result)  # the step-by-step guide, once


def test_a_blocked_card_is_explained_from_what_the_charger_saw(say, bridge) -> None:
    bridge.snapshots["CP-2001"]["recent_sessions"] = [
        {"id": 3, "id_tag": "0BAD****01", "outcome": "rejected", "reason": "Blocked"}]
    result = say("my card was rejected at station 8")
    assert "I checked Station 8 (card 0BAD****01). The charger saw your card and our system reports it as blocked." \
        in texts(result)


def test_a_card_the_charger_never_saw_gets_tapping_advice(say) -> None:
    result = say("my card was rejected at station 8")
    assert "it has not received a card or app request from you recently" in texts(result)


def test_slow_charging_reports_the_real_power_and_the_reasons(say, bridge) -> None:
    bridge.snapshots["CP-1042"]["connectors"][0]["status"] = "Charging"
    bridge.snapshots["CP-1042"]["active_transaction"] = {"id": 9, "connector_id": 1, "power_kw": 30.0,
                                                         "energy_kwh": 12.0}
    result = say("charging is so slow at station 12, I'm at 85%")
    said = texts(result)
    assert "Your session on Station 12 is drawing 30 kW right now; connector 1 (CCS2) can give up to 150 kW." in said
    assert "At 85% the car itself slows down to protect the battery" in said  # the one cause the data points to
    assert "shares its power" not in said and "Type 2" not in said


def test_slow_charging_on_ac_mentions_the_onboard_charger(say) -> None:
    assert "This is an AC charger: the car's onboard charger sets the pace" in texts(say("why is station 8 so slow"))


def test_a_stuck_cable_is_unlocked(say, bridge, parts) -> None:
    result = say("my cable is stuck at station 8")
    assert bridge.commands[0][1:3] == ("UnlockConnector", {"connector_id": 1})
    assert result.replies[0].text.startswith("Connector 1 is unlocked. Pull the plug out now.")


def test_a_stuck_cable_during_a_session_is_stopped_first_with_consent(say, bridge) -> None:
    bridge.snapshots["CP-1042"]["connectors"][1]["status"] = "Charging"
    bridge.snapshots["CP-1042"]["active_transaction"] = {"id": 9, "transaction_id": "55", "connector_id": 2}
    asked = say("cable stuck at station 12")
    assert asked.replies[-1].text == "A session is still running on connector 2. Shall I stop it and release the cable?"
    done = say("yes")
    assert [c[1] for c in bridge.commands] == ["RemoteStopTransaction", "UnlockConnector"]
    assert bridge.commands[0][2] == {"transaction_id": "55"}
    assert texts(done).startswith("I've stopped the session.\nConnector 2 is unlocked.")


def test_an_unlock_that_fails_is_handed_off_with_the_car_side_advice(say, bridge, parts) -> None:
    bridge.scripts["UnlockConnector"] = lambda cid, params: Result("UnlockFailed", False)
    result = say("my cable is stuck at station 8")
    assert "Many cars lock the cable too" in texts(result)
    assert parts["tickets"].drafts[0]["rule"] == "cable_stuck" and result.replies[-1].handoff is not None


def test_a_billing_dispute_collects_amount_and_date_then_files_tier1(say, parts) -> None:
    assert say("I was charged twice at station 12").replies[0].text == "How much were you charged?"
    noted = say("40 euros")
    assert texts(noted) == ("Sorry about that. I've noted 40 euros, charged twice.\n"
                            "When was the session? The date is enough, e.g. 12 March.")
    done = say("last Tuesday")
    draft = parts["tickets"].drafts[0]
    assert (draft["tier"], draft["priority"], draft["rule"]) == ("tier1", "P3", "billing_dispute")
    assert "charged 40 euros, charged twice for a session on last Tuesday" in draft["summary"]
    assert "\"I was charged twice at station 12\"" in draft["summary"]  # the driver's own words stay
    assert "I've passed this to our billing team (ticket T-000001)" in texts(done)


def test_a_payment_failure_during_a_known_outage_says_so(say, parts) -> None:
    parts["tickets"].incident = True
    result = say("my card declined at station 8")
    assert result.replies[0].text.startswith("There is a known problem with card payments across our network")
    [draft] = parts["tickets"].drafts  # the driver is on the incident's list, for the follow-up
    assert draft["charger_id"] == "CP-2001" and "network incident" in draft["summary"]
    assert f"ticket {draft.get('id', 'T-000001')}" in result.replies[0].text


def test_knowledge_questions_get_the_guide_for_the_charger(say, parts) -> None:
    for question, intent in (("how do I pay here", "how_to_pay"), ("what's the price per kwh", "pricing_info"),
                             ("how do I start charging", "how_to_start"), ("which plug do I need", "connector_help")):
        result = say(question, charger_hint="CP-2001")
        assert result.replies[0].text == f"[guide {intent} at CP-2001]"
        assert result.replies[0].links == ((intent, f"/kb/{intent}"),)
    assert parts["tickets"].drafts == []


def test_damage_is_logged_for_field_engineering(say, parts) -> None:
    assert say("the screen is broken").replies[0].text.startswith("Which charger are you at?")
    done = say("station 8")
    draft = parts["tickets"].drafts[0]
    assert (draft["tier"], draft["priority"], draft["charger_id"]) == ("field_engineering", "P3", "CP-2001")
    assert "damage reported: \"the screen is broken\"" in draft["summary"]
    assert "ticket T-000001" in texts(done)


def test_safety_comes_first_then_out_of_service_then_p1_and_no_more_actions(say, bridge, parts) -> None:
    result = say("there are sparks coming from station 8")
    assert result.replies[0].text.startswith("Please step away from the charger and keep others away.")
    assert result.replies[0].voice_text.endswith("hang up and call 1 1 2.")
    assert bridge.commands[0][1:3] == ("ChangeAvailability", {"connector_id": 0, "type": "Inoperative"})
    assert bridge.locks and bridge.locks[0][0] == "CP-2001"
    handoff = result.replies[-1].handoff
    assert (handoff.tier, handoff.priority) == ("field_engineering", "P1")
    faulted(bridge)
    say("it's fine now, the charger won't start at station 8")
    say("yes")
    assert [c[1] for c in bridge.commands] == ["ChangeAvailability"]


def test_asking_for_a_person_opens_a_ticket_and_hands_off(say, parts) -> None:
    result = say("I want to talk to a person")
    assert result.replies[-1].handoff is not None and result.replies[-1].handoff.tier == "tier1"
    assert parts["tickets"].drafts[0]["transcript"][0]["text"] == "I want to talk to a person"


def test_greeting_thanks_and_goodbye(say) -> None:
    hello = say("hello", charger_hint="CP-1042")
    assert hello.replies[0].text == "Hi, I'm the charging support assistant. I see you're at Station 12. What's happening?"
    assert say("thanks").replies[0].text.startswith("You're welcome!")
    bye = say("bye")
    assert bye.replies[0].end_conversation is True


def test_a_bridge_failure_mid_turn_gets_an_apology_and_a_ticket(say, bridge, parts) -> None:
    bridge.down = True
    result = say("station 8 won't start")
    assert result.replies[0].text.startswith("Sorry, something went wrong on my side.")
    assert result.replies[-1].handoff is not None
    assert parts["tickets"].drafts[0]["rule"] == "bot_failure"


def test_replies_never_carry_channel_markup(say, bridge) -> None:
    faulted(bridge)
    for reply in say("station 8 won't start", channel="voice").replies:
        assert "<" not in reply.text and "<" not in (reply.voice_text or "")


def test_the_turn_result_names_the_charger_once_known(say) -> None:
    assert say("hello").charger_id is None
    assert say("station 8 won't start").charger_id == "CP-2001"


def test_after_a_handoff_small_talk_is_told_a_colleague_has_the_case(say) -> None:
    say("I want to talk to a person")
    waiting = say("ok")
    assert waiting.replies[0].text.startswith("A colleague has your case (ticket T-000001)")


def test_still_not_starting_after_the_reset_counts_as_a_no(say, bridge, parts) -> None:
    faulted(bridge)
    bridge.scripts["Reset"] = reset_clears(bridge)
    say("station 8 won't start")
    say("yes")
    result = say("it still won't start")
    assert parts["tickets"].drafts[0]["rule"] == "recovery_did_not_help"
    assert result.replies[-1].handoff is not None


def test_safety_words_survive_a_failure_later_in_the_turn(say, bridge, parts) -> None:
    parts["tickets"].broken = True
    result = say("smoke coming out of station 8")
    assert result.replies[0].text.startswith("Please step away from the charger")
    assert "please call our support line" in texts(result).lower()


def test_on_the_phone_pressing_1_confirms_the_reset(say, bridge) -> None:
    faulted(bridge)
    bridge.scripts["Reset"] = reset_clears(bridge)
    asked = say("station 8 won't start", channel="voice")
    assert [c.dtmf for c in asked.replies[-1].choices] == ["1", "2"]
    done = say("", channel="voice", digits="1")
    assert [c[1] for c in bridge.commands] == ["Reset"]
    assert done.replies[0].voice_text.endswith("did it work?")  # the keys are the voice renderer's to read
    assert [(c.payload, c.dtmf) for c in done.replies[0].choices] == [("yes", "1"), ("no", "2")]


def test_a_ticket_from_an_anonymous_web_chat_says_to_answer_in_the_chat(say, parts) -> None:
    say("I want to talk to a person", channel="webchat", contact="web-session-1", charger_hint="CP-2001")
    assert "the driver is on an anonymous web chat, so answer in the chat" in parts["tickets"].drafts[-1]["summary"]
    say("I want to talk to a person", channel="sms", contact="+4915100000009")
    assert "anonymous web chat" not in parts["tickets"].drafts[-1]["summary"]
