from bot.messages import Choice, Handoff, Reply
from ivr.voice import (
    VoiceSettings,
    render_hold,
    render_listen_again,
    render_say,
    render_voice,
)

SETTINGS = VoiceSettings(language="en-GB", agent_queue="support", hints=("Station 12", "CCS2"))
ACTION = "https://cl.example/twilio/voice/turn?n=2"
GATHER = ('<Gather action="https://cl.example/twilio/voice/turn?n=2" actionOnEmptyResult="true" bargeIn="true" '
          'finishOnKey="#" hints="Station 12, CCS2" input="speech dtmf" language="en-GB" method="POST" '
          'speechTimeout="auto" timeout="6">')


def test_a_question_is_asked_inside_a_gather_with_keypad_options() -> None:
    reply = Reply(text="Which plug? CCS2 or CHAdeMO", voice_text="Which plug are you using?",
                  choices=(Choice("the CCS plug", "connector:1", dtmf="1"), Choice("the CHAdeMO plug", "connector:2", dtmf="2")))
    assert render_voice([reply], action_url=ACTION, settings=SETTINGS) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>' + GATHER +
        '<Say language="en-GB">Which plug are you using? For the CCS plug, press 1. For the CHAdeMO plug, press 2.</Say>'
        "</Gather></Response>"
    )


def test_each_choice_is_read_once_by_its_spoken_title_and_key() -> None:
    reply = Reply(text="Station 12 has 2 connectors. Which one are you using?",
                  voice_text="Which connector are you using?",
                  choices=(Choice("Connector 1 (CCS2)", "connector:1", dtmf="1", spoken="connector 1, the CCS2"),
                           Choice("Connector 2 (CHAdeMO)", "connector:2", dtmf="2", spoken="connector 2, the CHAdeMO")))
    assert render_voice([reply], action_url=ACTION, settings=SETTINGS) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>' + GATHER +
        '<Say language="en-GB">Which connector are you using? For connector 1, the CCS2, press 1. '
        "For connector 2, the CHAdeMO, press 2.</Say>"
        "</Gather></Response>"
    )


def test_a_yes_no_question_is_read_with_its_keys_once() -> None:
    reply = Reply(text="Shall I restart it?", choices=(Choice("Yes, it works", "yes", dtmf="1"),
                                                       Choice("No", "no", dtmf="2")))
    assert render_voice([reply], action_url=ACTION, settings=SETTINGS) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>' + GATHER +
        '<Say language="en-GB">Shall I restart it? Press 1 for yes, 2 for no.</Say>'
        "</Gather></Response>"
    )


def test_a_title_without_a_spoken_form_is_read_without_its_brackets() -> None:
    reply = Reply(text="Which one?", choices=(Choice("Station 12 (CP-1042)", "charger:CP-1042", dtmf="1"),))
    assert render_voice([reply], action_url=ACTION, settings=SETTINGS) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>' + GATHER +
        '<Say language="en-GB">Which one? For Station 12, CP-1042, press 1.</Say></Gather></Response>'
    )


def test_what_may_be_keyed_in_is_said_before_the_options() -> None:
    reply = Reply(text="Which charger?", voice_text="Which charger are you at? Please say the number on the front.",
                  key_in="the number",
                  choices=(Choice("Station 12 again", "charger:CP-1042", dtmf="1", spoken="Station 12, like last time"),))
    assert render_voice([reply], action_url=ACTION, settings=SETTINGS) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>' + GATHER +
        '<Say language="en-GB">Which charger are you at? Please say the number on the front. '
        "Or key in the number, then press hash. For Station 12, like last time, press 1.</Say></Gather></Response>"
    )


def test_choices_without_a_key_are_left_to_the_screen() -> None:
    reply = Reply(text="Which one?", choices=(Choice("Station 12", "charger:CP-1042"),))
    assert render_voice([reply], action_url=ACTION, settings=SETTINGS) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>' + GATHER +
        '<Say language="en-GB">Which one?</Say></Gather></Response>'
    )


def test_no_keys_are_read_when_the_call_is_transferred() -> None:
    question = Reply(text="Which plug?", choices=(Choice("CCS2", "connector:1", dtmf="1"),))
    handoff = Reply(text="I'm passing you to a colleague.", handoff=Handoff("T-000009", "tier2", "Faulted"))
    assert render_voice([question, handoff], action_url=ACTION, settings=SETTINGS) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Say language="en-GB">Which plug?</Say>'
        "<Say language=\"en-GB\">I'm passing you to a colleague.</Say>"
        '<Say language="en-GB">Please hold. A colleague will be with you shortly.</Say>'
        '<Enqueue method="POST">support</Enqueue>'
        "</Response>"
    )


def test_a_handoff_without_an_agent_phone_enqueues_after_speaking() -> None:
    reply = Reply(text="I'm passing you to a colleague.", handoff=Handoff("T-000007", "tier2", "Faulted charger"))
    twiml = render_voice([reply], action_url=ACTION, settings=SETTINGS,
                         after_transfer_url="https://cl.example/twilio/voice/after?ticket=T-000007")
    assert twiml == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        "<Say language=\"en-GB\">I'm passing you to a colleague.</Say>"
        '<Say language="en-GB">Please hold. A colleague will be with you shortly.</Say>'
        '<Enqueue action="https://cl.example/twilio/voice/after?ticket=T-000007" method="POST">support</Enqueue>'
        "</Response>"
    )


def test_a_handoff_with_an_agent_phone_dials_with_a_whisper() -> None:
    settings = VoiceSettings(agent_phone="+4930123456", hints=())
    reply = Reply(text="Connecting you now.", handoff=Handoff("T-000008", "field_engineering", "Smoke"))
    twiml = render_voice([reply], action_url=ACTION, settings=settings,
                         whisper_url="https://cl.example/twilio/voice/whisper?ticket=T-000008",
                         after_transfer_url="https://cl.example/twilio/voice/after?ticket=T-000008")
    assert twiml == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Say language="en-GB">Connecting you now.</Say>'
        '<Dial action="https://cl.example/twilio/voice/after?ticket=T-000008" answerOnBridge="true" method="POST" timeout="25">'
        '<Number method="POST" url="https://cl.example/twilio/voice/whisper?ticket=T-000008">+4930123456</Number>'
        "</Dial></Response>"
    )


def test_the_end_of_a_conversation_hangs_up() -> None:
    twiml = render_voice([Reply(text="Bye!", voice_text="Goodbye.", end_conversation=True)],
                         action_url=ACTION, settings=SETTINGS)
    assert twiml == ('<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-GB">Goodbye.</Say>'
                     "<Hangup /></Response>")


def test_listen_again_and_say() -> None:
    assert render_listen_again(action_url=ACTION, settings=SETTINGS, prompt="Sorry, I didn't hear you.") == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>' + GATHER +
        "<Say language=\"en-GB\">Sorry, I didn't hear you.</Say></Gather></Response>"
    )
    assert render_say("Sorry.", settings=SETTINGS, then="agent") == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-GB">Sorry.</Say>'
        '<Say language="en-GB">Please hold. A colleague will be with you shortly.</Say>'
        '<Enqueue method="POST">support</Enqueue></Response>'
    )


def test_a_held_turn_says_one_thing_pauses_and_comes_back() -> None:
    assert render_hold("One moment while I check the charger.", settings=SETTINGS,
                       redirect_url="https://cl.example/twilio/voice/wait?n=2&w=1") == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-GB">One moment while I check the charger.'
        '</Say><Pause length="2" /><Redirect method="POST">https://cl.example/twilio/voice/wait?n=2&amp;w=1</Redirect>'
        "</Response>"
    )
