from bot.chat.render import render_call, render_terminal, render_texts, render_webchat
from bot.chat.twilio_play import CallEvent, TextMessage
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


def test_terminal_view_numbers_buttons_and_names_links_pictures_and_handoffs() -> None:
    assert render_terminal(REPLIES) == (
        "Station 12 is online. Which plug?\n  [1] CCS2\n  [2] CHAdeMO\n"
        "Here is how it looks.\n  -> Guide: /kb/ccs2\n  (image) /kb/images/ccs2.svg\n"
        "A colleague takes over.\n  == handed to tier2, ticket T-000001 =="
    )


def test_sms_texts_show_each_body_with_its_length_and_segments() -> None:
    long = "Plug in first. " * 12  # 180 characters of GSM-7: two segments
    assert render_texts([TextMessage("Reply 1 for CCS2."), TextMessage(long)], sms=True) == (
        "Reply 1 for CCS2.\n  (17 characters, 1 SMS segment)\n"
        f"{long}\n  (180 characters, 2 SMS segments)"
    )


def test_whatsapp_texts_show_pictures_and_no_segments() -> None:
    assert render_texts([TextMessage("Here is the plug.", ("https://x.example/kb/ccs2.png",))], sms=False) == (
        "Here is the plug.\n  (picture) https://x.example/kb/ccs2.png"
    )
    assert render_texts([], sms=True) == "(no answer)"


def test_a_call_shows_what_is_said_and_where_it_goes() -> None:
    events = [CallEvent("say", "Please hold."), CallEvent("listen", "speech dtmf"),
              CallEvent("transfer", "the support queue"), CallEvent("hangup")]
    assert render_call(events) == (
        "(says) Please hold.\n  == transferring to the support queue; the call ends here in the terminal ==\n"
        "  == the call ends =="
    )
