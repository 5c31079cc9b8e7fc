"""Liveness for load balancers."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    """Answer 200 while the process and its database answer; 503 naming the database while it does not."""
    if not current_app.extensions["chargeline.start_gate"].ready():
        return jsonify(status="degraded", database="unreachable"), 503
    try:
        with g.runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="degraded", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
