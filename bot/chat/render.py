"""Render the dialogue's neutral replies for the web chat and the terminal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.messages import Reply


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
    """A plain-text view of what each channel would show or say."""
    lines: list[str] = []
    for reply in replies:
        if channel == "voice":
            lines.append(f"(says) {reply.voice_text or reply.text}")
            for number, choice in enumerate(reply.choices, 1):
                lines.append(f"  (press {choice.dtmf or number}) {choice.title}")
        else:
            lines.append(reply.text)
            for number, choice in enumerate(reply.choices, 1):
                lines.append(f"  [{number}] {choice.title}")
            if channel != "sms":
                lines.extend(f"  -> {title}: {url}" for title, url in reply.links)
                if reply.image_url:
                    lines.append(f"  (image) {reply.image_url}")
        if reply.handoff:
            lines.append(f"  == handed to {reply.handoff.tier}, ticket {reply.handoff.ticket_id} ==")
    return "\n".join(lines)
