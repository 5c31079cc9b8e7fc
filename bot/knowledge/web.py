"""Pages for the knowledge base: connector drawings and one page per guide (SMS links here)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, request

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.context import GuideContext
from bot.knowledge.loader import PACKAGE_DIR, default_knowledge
from bot.knowledge.model import UnknownGuide
from bot.knowledge.page import render_index, render_page
from bot.services import services

log = logging.getLogger(__name__)

blueprint = Blueprint("knowledge", __name__)
_IMAGE_NAME = re.compile(r"^[a-z0-9-]{1,40}\.svg$")
_CHARGER_REF = re.compile(r"^[A-Za-z0-9*._:\- ]{1,100}$")
EXTENSION = "chargeline.knowledge"


def register(app: Flask) -> None:
    """Serve /kb with the knowledge base the composition root read (or the injected one)."""
    knowledge = services(app).knowledge or default_knowledge()
    app.extensions[EXTENSION] = knowledge
    # Only files that exist at start may be served: names never reach the filesystem.
    app.extensions[EXTENSION + ".images"] = {p.name: p for p in (PACKAGE_DIR / "images").glob("*.svg")}
    app.register_blueprint(blueprint)


@blueprint.get("/kb/images/<name>")
def image(name: str) -> Response:
    """Serve one connector drawing as SVG."""
    images: dict[str, Path] = current_app.extensions[EXTENSION + ".images"]
    if not _IMAGE_NAME.match(name) or name not in images:
        abort(404, description="no such image")
    response = Response(images[name].read_bytes(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # An SVG opened directly must not run script, whatever it contains.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@blueprint.get("/kb")
@blueprint.get("/kb/")
def index() -> Response:
    """List every guide; links keep `?charger=`."""
    knowledge: KnowledgeBase = current_app.extensions[EXTENSION]
    asked = (request.args.get("charger") or "").strip() or None
    if asked is not None and not _CHARGER_REF.match(asked):
        abort(400, description="charger must be a charger id or label")
    return Response(render_index(knowledge.guides, asked), mimetype="text/html")


@blueprint.get("/kb/<guide_id>")
def guide_page(guide_id: str) -> Response:
    """Show one guide, adapted to `?charger=` when the fleet knows that charger."""
    knowledge: KnowledgeBase = current_app.extensions[EXTENSION]
    try:
        guide = knowledge.guide(guide_id)
    except UnknownGuide:
        abort(404, description=f"no guide named {guide_id[:60]!r}")
    asked = (request.args.get("charger") or "").strip() or None
    context = None
    if asked is not None:
        if not _CHARGER_REF.match(asked):
            abort(400, description="charger must be a charger id or label")
        runtime = current_app.extensions["chargeline"]
        with runtime.sessions() as session:
            context = GuideContext.from_fleet(session, asked)
        if context is None:
            log.info("guide %s asked for unknown charger %s", guide_id, asked)
    # a guide that helps tell plugs apart shows the drawing of every plug, each linking to its own page
    pictures = [g for g in knowledge.guides if g.plug and g.image] if "identify" in guide.tags else []
    html = render_page(guide, context, asked, pictures)
    return Response(html, mimetype="text/html")
