"""`POST /twilio/voice/status`: Twilio's call status callback closes the call's conversation with its outcome."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Blueprint, Response, g, request

from bot.channels.twilio_auth import twilio_signed
from bot.conversation.store import ConversationStore

log = logging.getLogger(__name__)
blueprint = Blueprint("voice_status", __name__)

# the call is over; anything else (queued, ringing, in-progress) says nothing about the outcome
FINAL = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


@blueprint.post("/twilio/voice/status")
@twilio_signed
def call_status() -> Response:
    """Close the conversation of a finished call; a repeated callback changes nothing."""
    call_sid, status = request.form.get("CallSid", "")[:64], request.form.get("CallStatus", "")
    if not call_sid or not status:
        return Response("CallSid and CallStatus are required\n", status=400, mimetype="text/plain")
    if status not in FINAL:
        return Response(status=204)
    store = ConversationStore(g.runtime.sessions)
    try:
        conversation_id = store.find_by_delivery("voice", f"{call_sid}:")
        now = datetime.now(UTC)
        recorded = store.close(conversation_id, None, now) if conversation_id else None
    except Exception:  # Twilio retries nothing here; the idle timeout closes the conversation later
        log.exception("could not close the conversation of call=%s", call_sid[-6:])
        return Response(status=204)
    log.info("call ended call=%s status=%s conversation=%s outcome=%s", call_sid[-6:], status,
             conversation_id or "-", recorded or "-")
    return Response(status=204)
