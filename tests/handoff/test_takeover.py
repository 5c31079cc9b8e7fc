"""An agent takes over a driver's chat, replies on the driver's own channel and hands it back.

Real database (SQLite and PostgreSQL), the real engine and webhooks; Twilio's REST API and Telegram's
Bot API are local HTTP servers (tests/support), so every reply crosses real HTTP.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.channels.optout import set_opted_out
from bot.channels.twilio_rest import TwilioSender
from bot.conversation.factory import build_engine
from bot.conversation.models import Conversation, ConversationMessage
from bot.conversation.store import IDLE_TIMEOUT, ConversationStore
from bot.messages import InboundMessage
from bot.outbound import Outbound, build_outbound
from bot.runtime import Runtime
from bot.web import create_app
from handoff.takeover import BACK_TO_BOT, MAX_REPLY, Delivery, Takeover, TakeoverError
from tests.support.telegram import BotAPIServer, update
from tests.support.twilio import messages_of, twilio_for
from tests.support.twilio_rest import ACCOUNT_SID, AUTH_TOKEN, TwilioRestServer

DRIVER = "+4915112345678"
OUR_NUMBER = "+4930111222"
SECRET = "webhook-secret-123"


@pytest.fixture
def outbound(twilio_api: TwilioRestServer) -> Outbound:
    return Outbound(twilio=TwilioSender(ACCOUNT_SID, AUTH_TOKEN, api_url=twilio_api.url, timeout=5),
                    sms_from=OUR_NUMBER, whatsapp_from=OUR_NUMBER)


@pytest.fixture
def takeover(runtime: Runtime, outbound: Outbound) -> Takeover:
    return Takeover(runtime.sessions, outbound)


@pytest.fixture
def engine(runtime: Runtime, trained_nlu: Any):  # type: ignore[no-untyped-def]
    return build_engine(runtime, nlu=trained_nlu, bridge_url="http://127.0.0.1:9", bridge_timeout=2)


def conversation_of(runtime: Runtime, channel: str, contact: str) -> Conversation:
    with runtime.sessions() as session:
        found = session.scalar(select(Conversation).where(Conversation.channel == channel,
                                                          Conversation.contact == contact)
                               .order_by(Conversation.last_activity_at.desc()).limit(1))
        assert found is not None
        return found


def open_conversation(runtime: Runtime, channel: str = "sms", contact: str = DRIVER,
                      at: datetime | None = None) -> str:
    """A conversation with one driver message, stored by the real conversation store."""
    now = at or datetime.now(UTC)
    recorded = ConversationStore(runtime.sessions).record_inbound(InboundMessage(
        channel=channel, contact=contact, text="the charger won't start", delivery_id=f"d-{now.timestamp()}",
        received_at=now), now)
    return recorded.conversation_id


def test_an_agent_takes_over_an_sms_chat_and_the_reply_reaches_twilio(
        runtime: Runtime, engine: Any, takeover: Takeover, twilio_api: TwilioRestServer) -> None:
    twilio = twilio_for(runtime, engine=engine)
    answer = twilio.sms(DRIVER, "the charger won't start")
    assert answer.status_code == 200 and messages_of(answer.data)
    conversation_id = conversation_of(runtime, "sms", DRIVER).id

    assert takeover.take_over(conversation_id, "Sam").ok
    delivery = takeover.reply(conversation_id, "Sam", "Hi, I'm looking at the charger now.")
    assert delivery.ok and delivery.detail.startswith("sent sid=SM")

    assert [(m["To"], m["From"], m["Body"]) for m in twilio_api.messages] == [
        (DRIVER, OUR_NUMBER, "Sam from support has joined the conversation."),
        (DRIVER, OUR_NUMBER, "Hi, I'm looking at the charger now.")]
    lines = takeover.messages_since(conversation_id)
    assert [line["from"] for line in lines][:1] == ["driver"] and lines[0]["text"] == "the charger won't start"
    assert lines[-2]["from"] == "bot" and lines[-2]["event"] == "agent_joined"
    assert {k: lines[-1][k] for k in ("from", "text", "agent")} == {
        "from": "agent", "text": "Hi, I'm looking at the charger now.", "agent": "Sam"}
    assert [line["id"] for line in lines] == sorted(line["id"] for line in lines)
    with runtime.sessions() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        assert (conversation.mode, conversation.agent) == ("agent", "Sam")
        row = session.get(ConversationMessage, lines[-1]["id"])
        assert row is not None and row.direction == "agent" and row.payload["delivered"] is True
    # the transcript the rest of ChargeLine reads shows the agent's words as from=agent
    transcript = ConversationStore(runtime.sessions).transcript(conversation_id)
    assert transcript[-1]["from"] == "agent" and transcript[-1]["text"] == "Hi, I'm looking at the charger now."


def test_driver_messages_during_a_takeover_get_no_bot_reply_and_reach_the_console(
        runtime: Runtime, engine: Any, takeover: Takeover, twilio_api: TwilioRestServer) -> None:
    twilio = twilio_for(runtime, engine=engine)
    twilio.sms(DRIVER, "hello, my charger is broken")
    conversation_id = conversation_of(runtime, "sms", DRIVER).id
    takeover.take_over(conversation_id, "Sam")
    seen = takeover.messages_since(conversation_id)[-1]["id"]

    answer = twilio.sms(DRIVER, "thanks, it still shows a red light")
    assert answer.status_code == 200 and messages_of(answer.data) == []
    new = takeover.messages_since(conversation_id, seen)
    assert [(m["from"], m["text"]) for m in new] == [("driver", "thanks, it still shows a red light")]

    delivery = takeover.hand_back(conversation_id, "Sam")
    assert delivery.ok and twilio_api.messages[-1]["Body"] == BACK_TO_BOT
    answer = twilio.sms(DRIVER, "how do I pay here?")
    assert messages_of(answer.data), "the bot answers again after the hand back"
    assert conversation_of(runtime, "sms", DRIVER).mode == "bot"
    assert conversation_of(runtime, "sms", DRIVER).id == conversation_id


def test_a_telegram_reply_reaches_the_bot_api(runtime: Runtime, engine: Any) -> None:
    bot_api = BotAPIServer()
    try:
        settings = runtime.settings.replace(telegram_bot_token=bot_api.token, telegram_webhook_secret=SECRET,
                                            telegram_api_url=bot_api.url)
        rt = Runtime(settings, runtime.engine, runtime.sessions, runtime.api_token, runtime.secret_key)
        client: FlaskClient = create_app(runtime=rt, engine=engine).test_client()
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        assert client.post("/telegram/webhook", json=update(1, text="charger won't start"),
                           headers=headers).status_code == 200
        bot_answers = len(bot_api.sent())
        assert bot_answers >= 1
        conversation_id = conversation_of(runtime, "telegram", "4242").id
        takeover = Takeover(runtime.sessions, build_outbound(settings))

        assert takeover.take_over(conversation_id, "Ana").ok
        assert takeover.reply(conversation_id, "Ana", "Which connector are you using?") == Delivery(
            True, f"sent message_id={bot_answers + 2}")
        assert bot_api.sent()[bot_answers:] == [
            {"chat_id": "4242", "text": "Ana from support has joined the conversation."},
            {"chat_id": "4242", "text": "Which connector are you using?"}]
        # the driver's answer goes to the agent, not to the bot
        client.post("/telegram/webhook", json=update(2, text="the CCS one"), headers=headers)
        assert len(bot_api.sent()) == bot_answers + 2
        assert takeover.messages_since(conversation_id)[-1]["text"] == "the CCS one"
    finally:
        bot_api.stop()


def test_a_reply_to_a_closed_conversation_is_refused(runtime: Runtime, takeover: Takeover,
                                                     twilio_api: TwilioRestServer) -> None:
    conversation_id = open_conversation(runtime)
    takeover.take_over(conversation_id, "Sam")
    with runtime.sessions() as session, session.begin():
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        conversation.status = "closed"
    with pytest.raises(TakeoverError) as refused:
        takeover.reply(conversation_id, "Sam", "are you still there?")
    assert refused.value.status == 409 and "ended" in refused.value.detail
    assert [m["Body"] for m in twilio_api.messages] == ["Sam from support has joined the conversation."]
    # releasing an ended conversation is allowed and tells nobody
    assert takeover.hand_back(conversation_id, "Sam") == Delivery(True, "the conversation had ended; nothing was sent")
    assert len(twilio_api.messages) == 1


def test_an_idle_conversation_has_ended(runtime: Runtime, outbound: Outbound, twilio_api: TwilioRestServer) -> None:
    started = datetime.now(UTC)
    conversation_id = open_conversation(runtime, at=started)
    now = [started]
    takeover = Takeover(runtime.sessions, outbound, clock=lambda: now[0])
    takeover.take_over(conversation_id, "Sam")
    now[0] = started + IDLE_TIMEOUT - timedelta(seconds=1)
    assert takeover.reply(conversation_id, "Sam", "still with you").ok  # a reply keeps it alive
    now[0] += IDLE_TIMEOUT
    with pytest.raises(TakeoverError) as refused:
        takeover.reply(conversation_id, "Sam", "hello?")
    assert refused.value.status == 409
    with pytest.raises(TakeoverError) as again:
        Takeover(runtime.sessions, outbound, clock=lambda: now[0]).take_over(open_conversation(
            runtime, contact="+4915100000111", at=started), "Sam")
    assert again.value.status == 409


def test_twilio_down_gives_a_failed_delivery_and_keeps_the_message(runtime: Runtime, takeover: Takeover,
                                                                    twilio_api: TwilioRestServer) -> None:
    conversation_id = open_conversation(runtime)
    assert takeover.take_over(conversation_id, "Sam").ok
    twilio_api.failing = True
    delivery = takeover.reply(conversation_id, "Sam", "Please try the other connector.")
    assert delivery.ok is False and "Twilio refused" in delivery.detail
    twilio_api.stop()  # and now not even reachable
    unreachable = takeover.reply(conversation_id, "Sam", "Are you there?")
    assert unreachable.ok is False and "could not be reached" in unreachable.detail
    lines = takeover.messages_since(conversation_id)
    assert [(m["from"], m["text"]) for m in lines[-2:]] == [
        ("agent", "Please try the other connector."), ("agent", "Are you there?")]
    with runtime.sessions() as session:
        rows = session.scalars(select(ConversationMessage).where(ConversationMessage.id.in_(
            [lines[-2]["id"], lines[-1]["id"]]))).all()
        assert [r.payload["delivered"] for r in rows] == [False, False]


def test_bad_requests_are_refused_with_their_status(runtime: Runtime, takeover: Takeover,
                                                    twilio_api: TwilioRestServer) -> None:
    conversation_id = open_conversation(runtime)

    def status(call: Any, *args: Any) -> int:
        with pytest.raises(TakeoverError) as refused:
            call(*args)
        return refused.value.status

    assert status(takeover.take_over, "nope" * 8, "Sam") == 404
    assert status(takeover.messages_since, "nope", 0) == 404
    assert status(takeover.messages_since, conversation_id, -1) == 400
    assert status(takeover.reply, conversation_id, "Sam", "hello") == 409  # not in agent mode yet
    assert status(takeover.hand_back, conversation_id, "Sam") == 409
    assert status(takeover.take_over, conversation_id, "  ") == 400
    takeover.take_over(conversation_id, "Sam")
    assert takeover.take_over(conversation_id, "Sam") == Delivery(True, "you already have this conversation")
    assert status(takeover.take_over, conversation_id, "Ana") == 409
    assert status(takeover.reply, conversation_id, "Ana", "hi") == 409
    assert status(takeover.hand_back, conversation_id, "Ana") == 409
    assert status(takeover.reply, conversation_id, "Sam", "   ") == 400
    assert status(takeover.reply, conversation_id, "Sam", "x" * (MAX_REPLY + 1)) == 400
    assert len(twilio_api.messages) == 1  # only the join notice went out


def test_an_opted_out_driver_is_not_texted(runtime: Runtime, takeover: Takeover,
                                           twilio_api: TwilioRestServer) -> None:
    conversation_id = open_conversation(runtime)
    set_opted_out(runtime.sessions, "sms", DRIVER, True, datetime.now(UTC))
    delivery = takeover.take_over(conversation_id, "Sam")
    assert delivery == Delivery(False, "the driver opted out (STOP); not texted")
    assert takeover.reply(conversation_id, "Sam", "hello").ok is False
    assert twilio_api.messages == []
    assert takeover.messages_since(conversation_id)[-1]["text"] == "hello"


def test_a_voice_conversation_is_not_replied_to_in_text(runtime: Runtime, takeover: Takeover,
                                                        twilio_api: TwilioRestServer) -> None:
    conversation_id = open_conversation(runtime, channel="voice")
    delivery = takeover.take_over(conversation_id, "Sam")
    assert delivery.ok is False and "transferred" in delivery.detail
    assert twilio_api.messages == []


def test_two_agents_taking_over_at_once_get_one_winner(runtime: Runtime, takeover: Takeover,
                                                        twilio_api: TwilioRestServer) -> None:
    conversation_id = open_conversation(runtime)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def take(agent: str) -> None:
        barrier.wait(timeout=10)
        try:
            outcomes[agent] = takeover.take_over(conversation_id, agent)
        except TakeoverError as exc:
            outcomes[agent] = exc.status

    threads = [threading.Thread(target=take, args=(name,)) for name in ("Sam", "Ana")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["Ana", "Sam"] and list(outcomes.values()).count(409) == 1
    winner = next(name for name, outcome in outcomes.items() if outcome != 409)
    assert outcomes[winner] == Delivery(True, "sent sid=SM" + "1".zfill(32))
    assert conversation_of(runtime, "sms", DRIVER).agent == winner
    assert [m["Body"] for m in twilio_api.messages] == [f"{winner} from support has joined the conversation."]


def test_a_bot_turn_that_ends_after_the_takeover_does_not_lose_the_agent(runtime: Runtime, takeover: Takeover,
                                                                          twilio_api: TwilioRestServer) -> None:
    now = datetime.now(UTC)
    store = ConversationStore(runtime.sessions)
    recorded = store.record_inbound(InboundMessage(channel="sms", contact=DRIVER, text="reset it please",
                                                   delivery_id="SM-slow", received_at=now), now)
    takeover.take_over(recorded.conversation_id, "Sam")
    # the turn that was running (a charger reset takes seconds) saves the dialogue's state, which has no agent
    store.finish_turn(recorded.conversation_id, recorded.message_id, recorded.state, (), now)
    assert "agent" not in conversation_of(runtime, "sms", DRIVER).state
    with pytest.raises(TakeoverError) as refused:
        takeover.reply(recorded.conversation_id, "Ana", "hello")
    assert refused.value.status == 409 and "Sam" in refused.value.detail
    assert takeover.reply(recorded.conversation_id, "Sam", "The reset is done.").ok
    assert conversation_of(runtime, "sms", DRIVER).agent == "Sam"


def test_the_audit_log_names_the_agent_and_masks_the_driver(runtime: Runtime, takeover: Takeover,
                                                            twilio_api: TwilioRestServer,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    conversation_id = open_conversation(runtime)
    with caplog.at_level(logging.INFO):
        takeover.take_over(conversation_id, "Sam")
        takeover.reply(conversation_id, "Sam", "call me back on +4917700000999")
        takeover.hand_back(conversation_id, "Sam")
    lines = [r.getMessage() for r in caplog.records if r.name in ("handoff.takeover", "bot.outbound")]
    assert any(f"takeover conversation={conversation_id} agent=Sam" in line and "+49******678" in line
               for line in lines)
    assert any(f"agent reply conversation={conversation_id} agent=Sam" in line for line in lines)
    assert any(f"hand back conversation={conversation_id} agent=Sam" in line for line in lines)
    assert not any(DRIVER in line or "+4917700000999" in line for line in lines)  # no numbers, no texts
