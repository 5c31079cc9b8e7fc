"""Operator endpoints beside `/api/chargers`: id tokens at run time, a charger's boot answer, its reports."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from sqlalchemy import select

from bot.apitoken import api_token_required
from bot.logs import mask_id_tag
from ocpp_bridge.models import ChargerReport
from ocpp_bridge.state import load_snapshot
from ocpp_bridge.tokens import BadRequest, set_boot_answer, set_token

blueprint = Blueprint("ocpp_operator", __name__)
MAX_REPORTS = 100


def _error(status: int, detail: str):  # type: ignore[no-untyped-def]
    return jsonify(error="bad_request", detail=detail), status


def _sessions() -> Any:
    return current_app.extensions["chargeline"].sessions


def _expiry(value: Any) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise BadRequest("expiry must be a date (YYYY-MM-DD)") from None


@blueprint.post("/api/tokens")
@api_token_required
def post_token():  # type: ignore[no-untyped-def]
    """Add an id token or change its status: `{"id_tag", "status", "expiry"?, "group"?}`."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, 'expected JSON {"id_tag": ..., "status": "Accepted|Blocked|Expired|Invalid"}')
    try:
        change = set_token(_sessions(), body.get("id_tag"), body.get("status"), _expiry(body.get("expiry")),
                           body.get("group"))
    except BadRequest as exc:
        return _error(400, str(exc))
    return jsonify(id_tag=mask_id_tag(change.id_tag), status=change.status, group=change.group,
                   expiry=change.expiry.isoformat() if change.expiry else None), 201 if change.created else 200


@blueprint.post("/api/chargers/<charger_id>/boot")
@api_token_required
def post_boot_answer(charger_id: str):  # type: ignore[no-untyped-def]
    """Set how the charger's next BootNotification is answered: `{"status": "Accepted|Pending|Rejected"}`."""
    body = request.get_json(silent=True)
    status = body.get("status") if isinstance(body, dict) else None
    try:
        set_boot_answer(_sessions(), charger_id, str(status))
    except BadRequest as exc:
        return _error(400, str(exc))
    return jsonify(charger_id=charger_id, boot_answer=status)


@blueprint.get("/api/chargers/<charger_id>/reports")
@api_token_required
def get_reports(charger_id: str):  # type: ignore[no-untyped-def]
    """The charger's latest reports (charging limits, EV needs, log/firmware status, security events), newest first."""
    with _sessions()() as session:
        rows = session.scalars(select(ChargerReport).where(ChargerReport.charger_id == charger_id)
                               .order_by(ChargerReport.id.desc()).limit(MAX_REPORTS))
        reports = [{"action": r.action, "summary": r.summary, "at": r.at.isoformat(), "payload": r.payload}
                   for r in rows]
        if not reports and load_snapshot(session, charger_id) is None:  # as GET /api/chargers/{id} answers
            return jsonify(error="unknown_charger", detail=f"no charger {charger_id!r} in the fleet"), 404
    return jsonify(reports=reports)


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
