from bot.chat.render import render_terminal, render_webchat
from bot.messages import Choice, Handoff, Reply

REPLIES = (
    Reply(text="Station 12 is online. Which plug?", voice_text="Station one two is online. Which plug?",
          choices=(Choice("CCS2", "connector:1", dtmf="1"), Choice("CHAdeMO", "connector:2", dtmf="2"))),
    Reply(text="Here is how it looks.", image_url="/kb/images/ccs2.svg", links=(("Guide", "/kb/ccs2"),)),
    Reply(text="A colleague takes over.", handoff=Handoff("T-000001", "tier2", "summary"), end_conversation=True),
)


def test_webchat_json_keeps_buttons_links_images_and_handoff() -> None:
    assert render_webchat(REPLIES) == [
        {"text": "Station 12 is online. Which plug?",
         "buttons": [{"title": "CCS2", "payload": "connector:1"}, {"title": "CHAdeMO", "payload": "connector:2"}]},
        {"text": "Here is how it looks.", "links": [{"title": "Guide", "url": "/kb/ccs2"}],
         "image_url": "/kb/images/ccs2.svg"},
        {"text": "A colleague takes over.", "handoff": {"ticket_id": "T-000001", "tier": "tier2"}, "end": True},
    ]


def test_terminal_voice_view_speaks_the_voice_text_and_keys() -> None:
    assert render_terminal(REPLIES[:1], "voice") == (
        "(says) Station one two is online. Which plug? For CCS2, press 1. For CHAdeMO, press 2."
    )


def test_terminal_voice_view_reads_no_keys_when_the_call_is_handed_over() -> None:
    assert render_terminal([REPLIES[0], REPLIES[2]], "voice") == (
        "(says) Station one two is online. Which plug?\n(says) A colleague takes over.\n"
        "  == handed to tier2, ticket T-000001 =="
    )


def test_terminal_sms_view_is_the_sms_body() -> None:
    guide = Reply(text="Plug in first.\n- Then tap your card.", sms_text="Plug in, then tap your card.")
    assert render_terminal([guide, REPLIES[0]], "sms") == (
        "Plug in, then tap your card.\nStation 12 is online. Which plug? Reply 1 for CCS2, 2 for CHAdeMO."
    )


def test_terminal_sms_view_has_no_links_or_images() -> None:
    assert render_terminal(REPLIES[1:], "sms") == (
        "Here is how it looks.\nA colleague takes over.\n  == handed to tier2, ticket T-000001 =="
    )
