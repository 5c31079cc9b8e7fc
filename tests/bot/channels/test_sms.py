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


GUIDE = Reply(text="(the chat guide, with its list and picture)",
              sms_text="Plug in first, then authorise (card, app, QR or contactless), then wait up to a minute. "
                       "If you authorised first and took longer than a minute to plug in, start again.")


def test_a_reply_written_for_sms_stays_whole_beside_the_opening_sentence() -> None:
    seen = Reply(text="I'm looking at Station 7: it is online, and connector 1 (CCS2) is free and ready.")
    intro = Reply(text="The charger itself looks fine, so it is most likely the start sequence. Here is how it works:")
    closing = Reply(text="If it still doesn't start after that, tell me and I'll pass you to a colleague.")
    text = sms_text([seen, intro, GUIDE, closing], more_link="https://cl.example/chat?charger=CP-3007")
    assert text == (f"{seen.text}\n{GUIDE.sms_text}\nMore: https://cl.example/chat?charger=CP-3007")
    assert segments(text) == 2


def test_when_both_cannot_fit_the_guide_loses_its_last_sentences_not_the_opening_news() -> None:
    outage = Reply(text="There is a known problem with card payments across our network right now, and our team is "
                        "already working on it. Until it is fixed, you can start with a charging card or the app.")
    guide = Reply(text="(chat)", sms_text="Card declined? Check there is room for the hold (often 30-50, released "
                                          "after), approve it in your banking app if asked, or try another card or "
                                          "Apple/Google Pay. Nothing is taken for a declined payment.")
    assert sms_text([outage, guide], more_link="https://cl.example/chat") == (
        "There is a known problem with card payments across our network right now, and our team is already "
        "working on it.\nCard declined? Check there is room for the hold (often 30-50, released after), approve it "
        "in your banking app if asked, or try another card or Apple/Google Pay.\nMore: https://cl.example/chat")


def test_the_question_stays_whole_before_anything_written_for_sms() -> None:
    seen = Reply(text="I'm looking at Station 7: it is online, and connector 1 (CCS2) is reporting a fault.")
    fault = Reply(text="(chat)", sms_text="Connector 1 reports The charger has an internal error (InternalError): The "
                                          "charger has an internal error, not caused by you. A restart often fixes "
                                          "it; reply and we try. Or use another charger.")
    question = Reply(text="I can restart Station 7 remotely; it takes about a minute. Shall I do it?",
                     choices=(Choice("Yes", "yes"), Choice("No", "no")))
    assert sms_text([seen, fault, question], more_link="https://cl.example/chat") == (
        f"{seen.text}\n{question.text} Reply 1 for Yes, 2 for No.\nMore: https://cl.example/chat")


def test_nothing_is_cut_inside_a_sentence_of_a_reply_written_for_sms() -> None:
    guide = Reply(text="(chat)", sms_text=" ".join(f"Step {n} of the guide." for n in range(1, 20)))
    question = Reply(text="Did that work?", choices=(Choice("Yes", "yes"), Choice("No", "no")))
    text = sms_text([guide, question], more_link="https://cl.example/chat")
    steps, asked, more = text.split("\n")
    assert segments(text) <= 2 and guide.sms_text.startswith(steps) and steps.endswith("of the guide.")
    assert (asked, more) == ("Did that work? Reply 1 for Yes, 2 for No.", "More: https://cl.example/chat")


def test_whatsapp_keeps_the_fuller_chat_text() -> None:
    guide = Reply(text="How to start:\n- Plug in.\n- Tap your card.", sms_text="Plug in, then tap your card.")
    assert whatsapp_bodies([guide], public_url="https://cl.example") == ["How to start:\n- Plug in.\n- Tap your card."]


def test_bodies_with_replies_written_for_sms_always_fit_and_keep_the_question() -> None:
    import random

    rng = random.Random(11)

    def sentences(count: int) -> str:
        return " ".join("".join(rng.choice("abcde fgh") for _ in range(rng.randint(5, 140))).strip() + "."
                        for _ in range(count))

    for n in range(200):
        replies = [Reply(text=sentences(rng.randint(1, 4)), sms_text=sentences(rng.randint(1, 3)) if k % 2 else None)
                   for k in range(rng.randint(2, 4))]
        question = Reply(text="Shall I do it?", choices=(Choice("Yes", "yes"), Choice("No", "no")))
        body = sms_text([*replies, question], more_link="https://cl.example/chat" if n % 2 else None)
        assert segments(body) <= 2, n
        assert "Shall I do it? Reply 1 for Yes, 2 for No." in body, n
