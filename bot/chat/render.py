"""Render the dialogue's neutral replies for the web chat and the terminal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.channels.sms import sms_text
from bot.messages import Handoff, Reply
from ivr.voice import spoken


def render_webchat(replies: Iterable[Reply]) -> list[dict[str, Any]]:
    """Turn replies into the `POST /api/chat` JSON list (contracts.md)."""
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


def render_terminal(replies: Iterable[Reply], channel: str) -> str:
    """A plain-text view of what each channel would show or say, through the channel's own renderer."""
    replies = list(replies)
    if channel in ("voice", "sms"):
        if channel == "voice":
            listening = not any(r.handoff or r.end_conversation for r in replies)  # as `render_voice` decides
            lines = [f"(says) {spoken(reply, with_keys=listening)}" for reply in replies]
        else:
            lines = [sms_text(replies)] if replies else []
        lines.extend(_handed(reply.handoff) for reply in replies if reply.handoff)
        return "\n".join(lines)
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


def _handed(handoff: Handoff) -> str:
    return f"  == handed to {handoff.tier}, ticket {handoff.ticket_id} =="
