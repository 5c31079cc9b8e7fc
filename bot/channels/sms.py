"""Render replies as TwiML `<Message>` for SMS (segment-aware) and WhatsApp (richer)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from twilio.twiml.messaging_response import MessagingResponse

from bot.i18n import DEFAULT, t
from bot.messages import Reply

# GSM 03.38 basic character set (plus the extension table, which costs two septets).
_GSM = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
           "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXT = set("^{}\\[~]|€")
MAX_SEGMENTS = 2
_SENTENCE_END = re.compile(r"([.!?])(?:\s|$)")
WHATSAPP_MAX = 1500
_SAFER = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u2026": "..."}


def gsm_safe(text: str) -> str:
    """Replace typographic punctuation that would force a whole SMS into UCS-2."""
    return "".join(_SAFER.get(ch, ch) for ch in text)


def segments(text: str) -> int:
    """How many SMS segments a text costs (GSM-7: 160/153 septets, UCS-2: 70/67 chars)."""
    if all(ch in _GSM or ch in _GSM_EXT for ch in text):
        units = sum(2 if ch in _GSM_EXT else 1 for ch in text)
        single, multi = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    return 1 if units <= single else math.ceil(units / multi)


def sms_text(replies: Iterable[Reply], *, more_link: str | None = None, max_segments: int = MAX_SEGMENTS,
             lang: str = DEFAULT) -> str:
    """Join replies into one SMS body of at most `max_segments`, linking to the web chat when cut.

    Each reply contributes its `sms_text` (written for SMS, e.g. a guide's short variant) or else its text.
    When the body must be cut, the last reply (the bot's question and its choices) is kept whole and the
    explanation before it is shortened: the driver can always answer. If a reply was written for SMS, whole
    sentences are kept by what matters most instead (`_by_priority`), so its words are not cut mid-way.
    `lang`: the conversation's language, for the words the SMS adds ("Reply 1 for ...", "More:").
    """
    replies = list(replies)
    parts = []
    for reply in replies:
        part = reply.sms_text or reply.text
        if reply.choices:
            options = ", ".join(t("sms.option", lang, n=n, title=c.title) for n, c in enumerate(reply.choices, 1))
            part += t("sms.reply", lang, options=options)
        parts.append(gsm_safe(part))
    text = "\n".join(parts)
    if segments(text) <= max_segments:
        return text
    if any(reply.sms_text for reply in replies):
        chosen = _by_priority(replies, parts, more_link, max_segments, lang)
        if chosen is not None:
            return chosen
    suffix = f"... {t('sms.more', lang, link=more_link)}" if more_link else "..."
    if len(parts) > 1:
        tail = f"{suffix}\n{parts[-1]}"
        if segments(tail) <= max_segments:
            return _cut("\n".join(parts[:-1]), tail, max_segments)
    return _cut(text, suffix, max_segments)


def _by_priority(replies: list[Reply], parts: list[str], more_link: str | None, max_segments: int,
                 lang: str = DEFAULT) -> str | None:
    """Keep whole sentences by rank while they fit: the closing question (whole), the opening sentence (what the
    bot saw or knows), the sentences of the replies written for SMS, then the other sentences in order.

    A reply loses only its last sentences, never one in the middle; a link to the web chat ends the body (room
    kept for it where it can be). None (cut as before) if the question does not fit or nothing else does.
    """
    units = [[part] if reply.choices else _sentences(part) for reply, part in zip(replies, parts)]
    last = len(parts) - 1
    question = {(last, 0)} if replies[last].choices else set()
    order = [*question, (0, 0)]
    order += [(n, i) for n, reply in enumerate(replies) if reply.sms_text for i in range(len(units[n]))]
    order += [(n, i) for n, sentences in enumerate(units) for i in range(len(sentences))]
    for link in dict.fromkeys((f"\n{t('sms.more', lang, link=more_link)}" if more_link else "", "")):
        kept: set[tuple[int, int]] = set()
        for n, i in dict.fromkeys(order):
            if (i == 0 or (n, i - 1) in kept) and segments(_joined(units, kept | {(n, i)}) + link) <= max_segments:
                kept.add((n, i))
        if question <= kept and kept - question:
            return _joined(units, kept) + link
    return None


def _sentences(text: str) -> list[str]:
    ends = [m.end(1) for m in _SENTENCE_END.finditer(text)]
    bounds = [0, *(e for e in ends if e < len(text.rstrip())), len(text)]
    return [text[a:b].strip() for a, b in zip(bounds, bounds[1:]) if text[a:b].strip()]


def _joined(units: list[list[str]], kept: set[tuple[int, int]]) -> str:
    replies = (" ".join(s for i, s in enumerate(sentences) if (n, i) in kept) for n, sentences in enumerate(units))
    return "\n".join(r for r in replies if r)


def _cut(text: str, tail: str, max_segments: int) -> str:
    """Shorten `text` at a sentence or line end so that text + tail fits."""
    cut = text[:_longest_fitting_prefix(text, tail, max_segments)]
    boundary = max(cut.rfind(". "), cut.rfind("\n"))
    if boundary > len(cut) // 2:
        cut = cut[: boundary + 1]
    return cut.rstrip() + tail


def _longest_fitting_prefix(text: str, tail: str, max_segments: int) -> int:
    """The length of the longest prefix of `text` that, followed by `tail`, costs at most `max_segments`.

    One pass per encoding (a prefix before the first non-GSM character may still go as GSM-7), instead of
    re-counting the segments of ever shorter texts.
    """
    def budget(single: int, multi: int) -> int:  # the most units `max_segments` segments carry
        return single if max_segments <= 1 else max(single, max_segments * multi)

    best = 0
    if all(ch in _GSM or ch in _GSM_EXT for ch in tail):
        room = budget(160, 153) - sum(2 if ch in _GSM_EXT else 1 for ch in tail)
        for i, ch in enumerate(text):
            if ch in _GSM_EXT:
                room -= 2
            elif ch in _GSM:
                room -= 1
            else:
                break
            if room < 0:
                break
            best = i + 1
    room = budget(70, 67) - len(tail.encode("utf-16-le")) // 2
    for i, ch in enumerate(text):  # UCS-2 fits imply GSM-7 fits, so the longer of the two is right
        room -= 2 if ord(ch) > 0xFFFF else 1
        if room < 0:
            break
        best = max(best, i + 1)
    return best


def render_sms(replies: Iterable[Reply], *, more_link: str | None = None, lang: str = DEFAULT) -> str:
    """TwiML answering an SMS: one `<Message>` that fits in two segments."""
    response = MessagingResponse()
    replies = list(replies)
    if replies:
        response.message(sms_text(replies, more_link=more_link, lang=lang))
    return str(response)


def whatsapp_bodies(replies: Iterable[Reply], *, public_url: str) -> list[str]:
    """One WhatsApp text per reply: choices listed, links spelled out (pictures stay with `render_whatsapp`)."""
    return [_whatsapp_body(reply, public_url)[:WHATSAPP_MAX] for reply in replies]


def _whatsapp_body(reply: Reply, public_url: str) -> str:
    body = reply.text
    if reply.choices:
        body += "\n" + "\n".join(f"{n}. {c.title}" for n, c in enumerate(reply.choices, 1))
    for title, url in reply.links:
        body += f"\n{title}: {_absolute(url, public_url)}"
    return body


def render_whatsapp(replies: Iterable[Reply], *, public_url: str) -> str:
    """TwiML answering a WhatsApp message: fuller text, links, and pictures as media."""
    response = MessagingResponse()
    for reply in replies:
        body = _whatsapp_body(reply, public_url)
        if reply.image_url and reply.image_url.lower().endswith((".png", ".jpg", ".jpeg")):
            message = response.message()
            message.body(body[:WHATSAPP_MAX])
            message.media(_absolute(reply.image_url, public_url))
        else:
            response.message(body[:WHATSAPP_MAX])
    return str(response)


def _absolute(url: str, public_url: str) -> str:
    return url if url.startswith(("http://", "https://")) else public_url.rstrip("/") + "/" + url.lstrip("/")
