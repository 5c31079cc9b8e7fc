"""What the knowledge base holds: guides, their channel variants, error explanations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from bot.errors import ChargeLineError, ProblemsError

if TYPE_CHECKING:
    from bot.knowledge.context import GuideContext

Style = Literal["chat", "sms", "voice"]
STYLES: tuple[Style, ...] = ("chat", "sms", "voice")


class KnowledgeFileError(ProblemsError):
    """A guide or error-code file is invalid; each problem names the file and the field."""


class UnknownGuide(ChargeLineError, KeyError):
    """No guide has this id."""

    def __str__(self) -> str:
        return f"no guide with id {self.args[0]!r}" if self.args else "unknown guide"


@dataclass(frozen=True)
class Variants:
    """The same content written three times: rich chat, short SMS, and for the ear."""

    chat: str
    sms: str
    voice: str

    def for_style(self, style: Style) -> str:
        """Return the text written for `style`."""
        if style not in STYLES:
            raise ValueError(f"unknown style {style!r}; expected one of {', '.join(STYLES)}")
        return str(getattr(self, style))


@dataclass(frozen=True)
class RenderedGuide:
    """A guide ready to send: text for one channel, an optional picture and a link to the long page."""

    text: str
    image_url: str | None
    link_path: str | None


@dataclass(frozen=True)
class Guide:
    """One self-serve guide; `intents` are taxonomy intents it answers, `tags` refine the match."""

    id: str
    title: str
    intents: tuple[str, ...]
    tags: tuple[str, ...]
    variants: Variants
    image: str | None = None  # name of an SVG in images/, without the extension
    plug: str | None = None  # the connector type the guide is about, for {plug_here}
    priority: int = 0  # breaks ties between guides of one intent; higher first
    source: str = field(default="", compare=False)  # file it came from, for error messages

    def render(self, style: Style, context: GuideContext | None = None) -> RenderedGuide:
        """Fill the guide's placeholders for `style` from `context` (or sensible defaults)."""
        from bot.knowledge.placeholders import fill

        text = fill(self.variants.for_style(style), style, context, self.plug)
        image_url = f"/kb/images/{self.image}.svg" if self.image and style == "chat" else None
        link = f"/kb/{self.id}"
        charger_ref = context.charger_ref() if context is not None else None
        if charger_ref:
            from urllib.parse import quote

            link += f"?charger={quote(charger_ref, safe='')}"
        return RenderedGuide(text=text, image_url=image_url, link_path=link)


@dataclass(frozen=True)
class ErrorExplanation:
    """A charger error code explained for a driver, with what support should do about it."""

    code: str
    title: str
    driver_text: Variants
    driver_can_fix: bool
    reset_may_help: bool
    escalate_to: str | None  # "field_engineering" | "tier2" | None
    safety: bool
    aliases: tuple[str, ...] = ()  # OCPP 2.0.1 component.variable names and common screen wording
