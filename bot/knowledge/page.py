"""Render one guide as a small, accessible HTML page a driver can read on a phone."""

from __future__ import annotations

import re
from urllib.parse import quote

from markupsafe import Markup, escape

from bot.knowledge.context import GuideContext
from bot.knowledge.model import Guide

_STEP = re.compile(r"^(\d+)[.)]\s+(.*)$")
_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - ChargeLine help</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:1.1rem;line-height:1.5;
margin:0 auto;max-width:40rem;padding:1rem;color:#1f2d3a;background:#fff}}
h1{{font-size:1.5rem;line-height:1.25}} img{{display:block;max-width:100%;height:auto;margin:1rem auto}}
.charger{{background:#eef2f5;border-radius:.5rem;padding:.5rem .75rem}} li{{margin:.35rem 0}}
a{{color:#0b5cad}}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
{charger}{image}{body}
</main>
<footer><p>{footer}</p></footer>
</body>
</html>
"""


def _body(text: str) -> Markup:
    """Turn the chat text's lines into paragraphs and lists."""
    parts: list[str] = []
    kind: str | None = None
    for line in text.splitlines():
        step = _STEP.match(line)
        item_kind = "ol" if step else ("ul" if line.startswith("- ") else None)
        if item_kind != kind:
            if kind:
                parts.append(f"</{kind}>")
            if item_kind:
                parts.append(f"<{item_kind}>")
            kind = item_kind
        if step:
            parts.append(f"<li>{escape(step.group(2))}</li>")
        elif item_kind == "ul":
            parts.append(f"<li>{escape(line[2:])}</li>")
        elif line.strip():
            parts.append(f"<p>{escape(line)}</p>")
    if kind:
        parts.append(f"</{kind}>")
    return Markup("\n".join(parts))


def render_page(guide: Guide, context: GuideContext | None, asked_for: str | None) -> str:
    """Return the guide page's HTML, adapted to the charger when it is known."""
    rendered = guide.render("chat", context)
    if context is not None and context.charger_label:
        plugs = ", ".join(f"connector {cid}: {kind} up to {kw:g} kW" for cid, kind, kw in context.connectors)
        charger = Markup('<p class="charger">Charger: <strong>{}</strong>{}</p>\n').format(
            context.charger_label, f" ({plugs})" if plugs else "")
    elif asked_for:
        charger = Markup('<p class="charger">We could not find charger {}; here is the general guide.</p>\n'
                         ).format(asked_for)
    else:
        charger = Markup("")
    image = Markup("")
    if rendered.image_url:
        image = Markup('<img src="{}" alt="{}" width="240">\n').format(rendered.image_url, f"Drawing: {guide.title}")
    ref = context.charger_ref() if context is not None else None
    suffix = f"?charger={quote(ref, safe='')}" if ref else ""
    footer = Markup('<a href="/chat{0}">Still stuck? Chat with us</a> | <a href="/kb{0}">All help guides</a>'
                    ).format(suffix)
    return _PAGE.format(title=escape(guide.title), charger=charger, image=image, body=_body(rendered.text),
                        footer=footer)


def render_index(guides: list[Guide], charger_ref: str | None) -> str:
    """Return a page listing every guide, each link keeping the charger."""
    suffix = f"?charger={quote(charger_ref, safe='')}" if charger_ref else ""
    items = Markup("\n").join(
        Markup('<li><a href="/kb/{}{}">{}</a></li>').format(g.id, suffix, g.title) for g in guides
    )
    body = Markup("<ul>\n{}\n</ul>").format(items)
    footer = Markup('<a href="/chat{}">Chat with us</a>').format(suffix)
    return _PAGE.format(title="Help with charging", charger=Markup(""), image=Markup(""), body=body, footer=footer)
