"""Render the dialogue's neutral replies for the web chat, and each channel's answers for the terminal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bot.channels.sms import segments
from bot.messages import Handoff, Reply

if TYPE_CHECKING:
    from bot.chat.twilio_play import CallEvent, TextMessage


def render_webchat(replies: Iterable[Reply]) -> list[dict[str, Any]]:
    """Turn replies into the `POST /api/chat` JSON list (docs/api.md)."""
    rendered = []
    for reply in replies:
        item: dict[str, Any] = {"text": reply.text}
        if reply.choices:
            item["buttons"] = [{"title": c.title, "payload": c.payload} for c in reply.choices]
        if reply.links:
            item["links"] = [{"title": title, "url": url} for title, url in reply.links]
        if reply.image_url:
            item["image_url"] = reply.image_url
        if reply.handoff:
            item["handoff"] = {"ticket_id": reply.handoff.ticket_id, "tier": reply.handoff.tier}
        if reply.end_conversation:
            item["end"] = True
        rendered.append(item)
    return rendered


def render_terminal(replies: Iterable[Reply]) -> str:
    """A plain-text view of the web chat's replies: text, numbered buttons, links, pictures, handoffs."""
    lines = []
    for reply in replies:
        lines.append(reply.text)
        lines.extend(f"  [{number}] {choice.title}" for number, choice in enumerate(reply.choices, 1))
        lines.extend(f"  -> {title}: {url}" for title, url in reply.links)
        if reply.image_url:
            lines.append(f"  (image) {reply.image_url}")
        if reply.handoff:
            lines.append(_handed(reply.handoff))
    return "\n".join(lines)


def render_texts(messages: Iterable[TextMessage], *, sms: bool) -> str:
    """The texts a driver's phone shows: each body, its pictures, and what an SMS costs in segments."""
    lines = []
    for message in messages:
        lines.append(message.body)
        lines.extend(f"  (picture) {url}" for url in message.media)
        if sms:
            count = segments(message.body)
            lines.append(f"  ({len(message.body)} characters, {count} SMS segment{'s' if count != 1 else ''})")
    return "\n".join(lines) or "(no answer)"


def render_call(events: Iterable[CallEvent]) -> str:
    """What a caller hears, and where the call goes."""
    lines = []
    for event in events:
        if event.kind == "say" and event.text:
            lines.append(f"(says) {event.text}")
        elif event.kind == "transfer":
            lines.append(f"  == transferring to {event.text}; the call ends here in the terminal ==")
        elif event.kind == "hangup":
            lines.append("  == the call ends ==")
    return "\n".join(lines)


def _handed(handoff: Handoff) -> str:
    return f"  == handed to {handoff.tier}, ticket {handoff.ticket_id} =="
