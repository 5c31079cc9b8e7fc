from bot.channels.sms import render_sms, render_whatsapp, segments, sms_text, whatsapp_bodies
from bot.messages import Choice, Reply


def test_segments_follow_the_gsm_and_ucs2_budgets() -> None:
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("a" * 306) == 2
    assert segments("€" * 80) == 1 and segments("€" * 81) == 2  # extension chars cost two
    assert segments("⚡" * 70) == 1 and segments("⚡" * 71) == 2


def test_a_short_answer_is_one_message_with_numbered_choices() -> None:
    reply = Reply(text="Which charger are you at?", choices=(Choice("Station 12", "c:1"), Choice("Station 8", "c:2")))
    assert render_sms([reply]) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>'
        "Which charger are you at? Reply 1 for Station 12, 2 for Station 8.</Message></Response>"
    )


def test_a_long_answer_is_cut_to_two_segments_with_a_link() -> None:
    long = Reply(text=" ".join(f"Step {n}: do the next thing carefully." for n in range(1, 30)))
    text = sms_text([long], more_link="https://cl.example/chat?charger=CP-1042")
    assert segments(text) <= 2
    assert text.endswith("... More: https://cl.example/chat?charger=CP-1042")
    assert text.startswith("Step 1: do the next thing carefully.")


def test_typographic_quotes_do_not_force_ucs2() -> None:
    assert sms_text([Reply(text="It’s “ready” – go")]) == "It's \"ready\" - go"


def test_whatsapp_keeps_links_and_png_media() -> None:
    reply = Reply(text="This is the CCS2 plug.", links=(("Guide", "/kb/ccs2"),), image_url="/kb/images/ccs2.png")
    assert render_whatsapp([reply], public_url="https://cl.example") == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message><Body>This is the CCS2 plug.\n'
        "Guide: https://cl.example/kb/ccs2</Body><Media>https://cl.example/kb/images/ccs2.png</Media></Message></Response>"
    )


def test_a_cut_answer_keeps_the_question_whole() -> None:
    explanation = Reply(text=" ".join(f"Detail {n} about the fault the charger reports." for n in range(1, 12)))
    question = Reply(text="A restart usually clears this. Shall I do it?",
                     choices=(Choice("Yes", "yes"), Choice("No", "no")))
    text = sms_text([explanation, question], more_link="https://cl.example/chat?charger=CP-2001")
    assert segments(text) <= 2
    assert text.startswith("Detail 1 about the fault")
    assert text.endswith("... More: https://cl.example/chat?charger=CP-2001\n"
                         "A restart usually clears this. Shall I do it? Reply 1 for Yes, 2 for No.")


def test_cut_answers_fit_and_keep_as_much_as_fits_whatever_the_alphabet() -> None:
    import random

    rng = random.Random(7)
    alphabets = ["abcdefgh ijk", "abc def{}[]€ ", "abc déf ÿ ", "abc 🔌 def ", "Zürich Straße ä "]  # no sentence ends
    for n in range(300):
        letters = alphabets[n % len(alphabets)]
        text = "".join(rng.choice(letters) for _ in range(rng.randint(50, 1200)))
        link = "https://cl.example/chat?charger=CP-1" if n % 2 else None
        body = sms_text([Reply(text=text)], more_link=link)
        assert segments(body) <= 2, (n, len(body))
        if body == text:
            continue
        suffix = f"... More: {link}" if link else "..."
        kept = body[: -len(suffix)]
        assert body.endswith(suffix) and text.startswith(kept), n
        end = len(kept)
        while end < len(text) and text[end] == " ":  # the spaces the cut dropped
            end += 1
        assert segments(text[: end + 1] + suffix) > 2, n  # one more character would not have fitted


def test_a_reply_written_for_sms_is_sent_in_its_sms_words() -> None:
    guide = Reply(text="How to start:\n- Plug the cable into the car.\n- Tap your card on the reader.",
                  sms_text="Plug in the car first, then tap your card on the reader.", links=(("Guide", "/kb/x"),))
    assert render_sms([guide]) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>'
        "Plug in the car first, then tap your card on the reader.</Message></Response>"
    )


def test_a_cut_answer_shortens_the_explanation_before_a_reply_written_for_sms() -> None:
    explanation = Reply(text=" ".join(f"Detail {n} about what the charger reports." for n in range(1, 12)))
    guide = Reply(text="(the long chat guide)", sms_text="Plug in first, then tap your card. Screen shows Charging.")
    closing = Reply(text="Still not starting? Tell me.")
    text = sms_text([explanation, guide, closing], more_link="https://cl.example/chat")
    assert segments(text) <= 2
    assert text.startswith("Detail 1 about what the charger reports.")
    assert text.endswith("... More: https://cl.example/chat\n"
                         "Plug in first, then tap your card. Screen shows Charging.\nStill not starting? Tell me.")


def test_an_explanation_with_no_room_for_a_whole_sentence_is_left_out() -> None:
    explanation = Reply(text="I'm looking at Station 8: it is online, and connector 1 (Type 2) is free and ready.")
    guide = Reply(text="(chat)", sms_text=" ".join(f"Step {n} of the guide." for n in range(1, 12)))
    closing = Reply(text="Still not starting? Tell me.")
    text = sms_text([explanation, guide, closing], more_link="https://cl.example/chat")
    assert text == guide.sms_text + "\nStill not starting? Tell me.\nMore: https://cl.example/chat"


def test_a_reply_written_for_sms_is_cut_only_when_nothing_else_makes_room() -> None:
    guide = Reply(text="(chat)", sms_text=" ".join(f"Step {n} of the guide." for n in range(1, 20)))
    question = Reply(text="Did that work?", choices=(Choice("Yes", "yes"), Choice("No", "no")))
    text = sms_text([guide, question], more_link="https://cl.example/chat")
    assert segments(text) <= 2
    assert text.startswith("Step 1 of the guide.")
    assert text.endswith("... More: https://cl.example/chat\nDid that work? Reply 1 for Yes, 2 for No.")


def test_whatsapp_keeps_the_fuller_chat_text() -> None:
    guide = Reply(text="How to start:\n- Plug in.\n- Tap your card.", sms_text="Plug in, then tap your card.")
    assert whatsapp_bodies([guide], public_url="https://cl.example") == ["How to start:\n- Plug in.\n- Tap your card."]
