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
a{{color:#0b5cad}} h2{{font-size:1.15rem;margin:1.5rem 0 .25rem}} footer{{border-top:1px solid #d8dee4;margin-top:2rem}}
.safety{{background:#fdecea;border-left:4px solid #b3261e;padding:.25rem .9rem;border-radius:.25rem}}
.plugs{{display:grid;grid-template-columns:repeat(auto-fill,minmax(8.5rem,1fr));gap:.75rem;padding:0;list-style:none}}
.plugs li{{margin:0;text-align:center}} .plugs img{{width:100%;max-width:9rem;margin:0 auto .25rem;border:1px solid #d8dee4;border-radius:.5rem}}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
{charger}{image}{body}{pictures}
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


# the guide files as topics, in the order a driver needs them: danger first, bills last
TOPICS = (("safety.yaml", "Danger or damage"), ("start.yaml", "Starting a charge"),
          ("trouble.yaml", "When the charger will not cooperate"), ("charging.yaml", "Slow or stopped charging"),
          ("connectors.yaml", "Plugs and cables"), ("payment.yaml", "Paying"), ("billing.yaml", "Bills and refunds"))
OTHER_TOPIC = "More help"


def by_topic(guides: list[Guide]) -> list[tuple[str, list[Guide]]]:
    """The guides grouped by topic (safety first), each group in the order its file lists them."""
    order = {source: i for i, (source, _) in enumerate(TOPICS)}
    names = dict(TOPICS)
    groups: dict[str, list[Guide]] = {}
    for guide in sorted(guides, key=lambda g: order.get(g.source, len(TOPICS))):
        groups.setdefault(names.get(guide.source, OTHER_TOPIC), []).append(guide)
    return list(groups.items())


def _pictures(guides: list[Guide], suffix: str) -> Markup:
    """A grid of drawings, each linking to its own guide."""
    if not guides:
        return Markup("")
    items = Markup("\n").join(
        Markup('<li><a href="/kb/{}{}"><img src="/kb/images/{}.svg" alt="Drawing of the {} plug" width="144">{}</a>'
               '</li>').format(g.id, suffix, g.image, g.plug or g.title, g.plug or g.title) for g in guides)
    return Markup('<h2>The plugs, drawn</h2>\n<ul class="plugs">\n{}\n</ul>\n').format(items)


def render_page(guide: Guide, context: GuideContext | None, asked_for: str | None,
                pictures: list[Guide] | None = None) -> str:
    """Return the guide page's HTML, adapted to the charger when it is known; `pictures` link to other guides."""
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
                        pictures=_pictures(pictures or [], suffix), footer=footer)


def render_index(guides: list[Guide], charger_ref: str | None) -> str:
    """Return a page listing every guide under its topic (danger first), each link keeping the charger."""
    suffix = f"?charger={quote(charger_ref, safe='')}" if charger_ref else ""
    sections = []
    for topic, members in by_topic(guides):
        items = Markup("\n").join(
            Markup('<li><a href="/kb/{}{}">{}</a></li>').format(g.id, suffix, g.title) for g in members)
        cls = Markup(' class="safety"') if topic == TOPICS[0][1] else Markup("")
        sections.append(Markup('<section{}><h2>{}</h2>\n<ul>\n{}\n</ul></section>').format(cls, topic, items))
    body = Markup("\n").join(sections)
    footer = Markup('<a href="/chat{}">Still stuck? Chat with us</a>').format(suffix)
    return _PAGE.format(title="Help with charging", charger=Markup(""), image=Markup(""), body=body,
                        pictures=Markup(""), footer=footer)
