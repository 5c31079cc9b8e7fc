"""Take over, reply and hand back from the ticket page, through the real Takeover on a stored conversation."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from bot.conversation.models import Conversation, ConversationMessage
from bot.conversation.store import ConversationStore
from bot.messages import InboundMessage
from bot.runtime import Runtime
from handoff.clock import utcnow
from handoff.tickets import get_ticket

from .conftest import logged_in, make_ticket, page_token


def _conversation(runtime: Runtime) -> str:
    """A web chat conversation with one driver message, stored by the real conversation store."""
    message = InboundMessage(channel="webchat", contact="driver-session-0001", text="the charger is dead",
                             delivery_id="d-1", received_at=utcnow())
    return ConversationStore(runtime.sessions).record_inbound(message, utcnow()).conversation_id


def test_take_over_reply_and_hand_back(app: Flask, agents: Runtime) -> None:
    conversation_id = _conversation(agents)
    ticket = make_ticket(agents, conversation_id=conversation_id)
    tina = logged_in(app, "tina")
    page = tina.get(f"/agent/tickets/{ticket}")
    assert "the charger is dead" in page.text and "Take over the chat" in page.text
    token = page_token(tina)
    taken = tina.post(f"/agent/tickets/{ticket}/takeover", data={"csrf_token": token})
    assert taken.status_code == 302
    page = tina.get(f"/agent/tickets/{ticket}")
    assert "tina has this chat" in page.text and 'id="reply"' in page.text
    sent = tina.post(f"/agent/tickets/{ticket}/reply", data={"text": "Hi, I am resetting it now."},
                     headers={"X-CSRF-Token": token, "Accept": "application/json"})
    assert sent.status_code == 200 and sent.json == {"ok": True, "detail": "Sent."}
    back = tina.post(f"/agent/tickets/{ticket}/handback", data={"csrf_token": token})
    assert back.status_code == 302
    with agents.sessions() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None and conversation.mode == "bot"
        lines = [(m.direction, m.text) for m in session.scalars(select(ConversationMessage).where(
            ConversationMessage.conversation_id == conversation_id).order_by(ConversationMessage.id))]
        assert ("agent", "Hi, I am resetting it now.") in lines
        stored = get_ticket(session, ticket)
        assert stored is not None and stored.status == "in_progress"
        assert [n["text"] for n in stored.notes][-2:] == ["tina took over the chat", "tina handed the chat back"]


def test_reply_needs_the_chat_and_the_token(app: Flask, agents: Runtime) -> None:
    ticket = make_ticket(agents, conversation_id=_conversation(agents))
    tina = logged_in(app, "tina")
    token = page_token(tina)
    not_taken = tina.post(f"/agent/tickets/{ticket}/reply", data={"text": "hello"},
                          headers={"X-CSRF-Token": token, "Accept": "application/json"})
    assert not_taken.status_code == 409 and "take it over first" in not_taken.json["detail"]
    no_token = tina.post(f"/agent/tickets/{ticket}/reply", data={"text": "hello"},
                         headers={"Accept": "application/json"})
    assert no_token.status_code == 400
    tina.post(f"/agent/tickets/{ticket}/takeover", data={"csrf_token": token})
    olga = logged_in(app, "olga")
    second = olga.post(f"/agent/tickets/{ticket}/takeover", data={"csrf_token": page_token(olga)})
    assert second.status_code == 409 and "tina already has this conversation" in second.text
    empty = tina.post(f"/agent/tickets/{ticket}/reply", data={"text": "  "},
                      headers={"X-CSRF-Token": token, "Accept": "application/json"})
    assert empty.status_code == 400


def test_a_ticket_without_a_chat_cannot_be_taken_over(app: Flask, agents: Runtime) -> None:
    ticket = make_ticket(agents)
    tina = logged_in(app, "tina")
    response = tina.post(f"/agent/tickets/{ticket}/takeover", data={"csrf_token": page_token(tina)})
    assert response.status_code == 409 and "has no chat" in response.text
