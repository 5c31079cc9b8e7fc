"""A web process killed mid-turn: the driver is still answered, once, and the ticket is still filed.

The "killed" process is a real engine on the same database whose language service stops the process
(a BaseException, as a signal would) after the webhook stored the message. Recovery then runs in a fresh
engine, the way a restarted web process does; Twilio's REST API and Telegram's Bot API are local servers.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.channels.deferred import DeferredTurns
from bot.channels.models import ReplyOutbox
from bot.channels.outbox import ReplyOutboxStore, ReplySender
from bot.channels.recovery import TurnRecovery
from bot.channels.telegram import BotAPI
from bot.channels.twilio_rest import TwilioSender
from bot.channels.web import CHECKING
from bot.conversation.engine import ConversationEngine
from bot.conversation.models import ConversationMessage
from bot.messages import InboundMessage, TurnResult
from bot.outbound import Outbound
from bot.runtime import Runtime
from bot.web import create_app
from handoff.models import Ticket
from tests.bot.conversation.live import LiveStack
from tests.support.telegram import BotAPIServer, update
from tests.support.twilio import PUBLIC_URL, messages_of, new_sid, twilio_for
from tests.support.twilio_rest import ACCOUNT_SID, AUTH_TOKEN, TwilioRestServer

pytestmark = [pytest.mark.slow]
DRIVER = "+4915112340002"
OUR_NUMBER = "+4930111222"
SMOKE = "there's smoke coming out of station 8"
TELEGRAM_SECRET = "webhook-secret-123"


class ProcessKilled(BaseException):
    """The process stops here, as under SIGKILL: no handler of ours runs."""


class DyingNLU:
    """The language service of a process that is killed while it parses (after `release`, when given)."""

    def __init__(self, release: threading.Event | None = None) -> None:
        self.release = release

    def parse(self, text: str, language: str | None = None) -> Any:
        if self.release is not None:
            self.release.wait(30)
        raise ProcessKilled()


def dying_engine(live: LiveStack, nlu: DyingNLU | None = None) -> ConversationEngine:
    """The killed process's engine: the live stack's collaborators, a language service that kills it."""
    assert live.engine is not None
    deps = live.engine.deps
    return ConversationEngine(deps.sessions, nlu or DyingNLU(), deps.bridge, deps.knowledge, deps.policy,
                              deps.rules, deps.tickets)


def restarted(live: LiveStack, twilio_api: TwilioRestServer, bot_api: BotAPIServer | None = None) -> TurnRecovery:
    """The recovery of a freshly started web process (the live engine, REST clients at the local servers)."""
    assert live.engine is not None
    live.engine.running.grace = timedelta(0)  # CHARGELINE_TURN_GRACE: the killed process is known to be gone
    telegram = BotAPI(bot_api.token, bot_api.url, timeout=5) if bot_api else None
    outbound = Outbound(twilio=TwilioSender(ACCOUNT_SID, AUTH_TOKEN, api_url=twilio_api.url, timeout=5),
                        sms_from=OUR_NUMBER, telegram=telegram, sessions=live.runtime.sessions)
    return TurnRecovery(live.engine, ReplyOutboxStore(live.runtime.sessions),
                        ReplySender(outbound, PUBLIC_URL, telegram))


def tickets(live: LiveStack) -> list[tuple[str, str, str | None]]:
    with live.runtime.sessions() as session:
        return [(t.tier, t.priority, t.charger_id) for t in session.scalars(select(Ticket))]


def bot_replies(live: LiveStack) -> int:
    with live.runtime.sessions() as session:
        return int(session.scalar(select(func.count()).where(ConversationMessage.direction == "out")) or 0)


def test_a_turn_killed_mid_way_is_answered_by_text_after_a_restart_and_its_ticket_filed(
        live: LiveStack, twilio_api: TwilioRestServer) -> None:
    sid = new_sid("SM")
    with pytest.raises(ProcessKilled):
        twilio_for(live.runtime, engine=dying_engine(live)).sms(DRIVER, SMOKE, to=OUR_NUMBER, sid=sid)
    assert twilio_api.messages == [] and tickets(live) == []

    report = restarted(live, twilio_api).run_once()

    assert (report.resumed, report.outbox.sent) == (1, 1)
    [text] = twilio_api.messages
    assert (text["To"], text["From"]) == (DRIVER, OUR_NUMBER)
    assert text["Body"].startswith("Please step away from the charger")
    assert tickets(live) == [("field_engineering", "P1", "CP-2001")]
    replies = bot_replies(live)

    retry = twilio_for(live.runtime, engine=live.engine).sms(DRIVER, SMOKE, to=OUR_NUMBER, sid=sid)
    assert retry.status_code == 200 and messages_of(retry.data) == []  # Twilio's retry: answered already
    again = restarted(live, twilio_api).run_once()
    assert (again.resumed, again.outbox.sent) == (0, 0)
    assert len(twilio_api.messages) == 1 and len(tickets(live)) == 1 and bot_replies(live) == replies


def test_a_telegram_message_killed_mid_turn_is_answered_through_the_bot_api(
        live: LiveStack, twilio_api: TwilioRestServer, bot_api: BotAPIServer) -> None:
    settings = live.runtime.settings.replace(telegram_bot_token=bot_api.token, telegram_api_url=bot_api.url,
                                             telegram_webhook_secret=TELEGRAM_SECRET, public_url=PUBLIC_URL)
    rt = Runtime(settings, live.runtime.engine, live.runtime.sessions, live.runtime.api_token,
                 live.runtime.secret_key)
    client = create_app(runtime=rt, engine=dying_engine(live)).test_client()
    with pytest.raises(ProcessKilled):
        client.post("/telegram/webhook", json=update(77, chat_id=4242, text=SMOKE),
                    headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert bot_api.sent() == []

    assert restarted(live, twilio_api, bot_api).run_once().outbox.sent == 1

    sent = bot_api.sent()
    assert sent[0]["chat_id"] == "4242" and sent[0]["text"].startswith("Please step away from the charger")
    assert tickets(live) == [("field_engineering", "P1", "CP-2001")]
    assert twilio_api.messages == []


def test_a_duplicate_of_a_message_whose_process_died_is_answered_once(live: LiveStack,
                                                                     twilio_api: TwilioRestServer) -> None:
    assert live.engine is not None
    sid = new_sid("SM")
    with pytest.raises(ProcessKilled):
        twilio_for(live.runtime, engine=dying_engine(live)).sms(DRIVER, SMOKE, to=OUR_NUMBER, sid=sid)
    twilio = twilio_for(live.runtime, engine=live.engine)
    # within the grace period nobody can tell a dead process from a slow one: the retry is not answered twice
    assert messages_of(twilio.sms(DRIVER, SMOKE, to=OUR_NUMBER, sid=sid).data) == []

    live.engine.running.grace = timedelta(0)  # later, with no live process holding the turn
    [answer] = messages_of(twilio.sms(DRIVER, SMOKE, to=OUR_NUMBER, sid=sid).data)
    assert answer.startswith("Please step away from the charger")
    assert messages_of(twilio.sms(DRIVER, SMOKE, to=OUR_NUMBER, sid=sid).data) == []  # finished now: a no-op
    assert tickets(live) == [("field_engineering", "P1", "CP-2001")]
    assert restarted(live, twilio_api).run_once().resumed == 0 and twilio_api.messages == []


def test_a_deferred_reply_survives_the_death_of_its_process(live: LiveStack, twilio_api: TwilioRestServer) -> None:
    assert live.engine is not None
    outbox = ReplyOutboxStore(live.runtime.sessions)
    deferred = DeferredTurns(budget=0.05, outbox=outbox)
    release = threading.Event()
    message = InboundMessage(channel="sms", contact=DRIVER, text=SMOKE, delivery_id=new_sid("SM"),
                             received_at=datetime.now(UTC))

    def slow_turn() -> TurnResult:
        release.wait(30)  # the webhook's budget runs out first: the driver is told to wait for a text
        return live.engine.handle(message)  # type: ignore[union-attr]

    def killed_before_sending(result: TurnResult) -> None:
        raise ProcessKilled()

    assert deferred.run(f"sms:{message.delivery_id}", slow_turn, then=killed_before_sending) is None
    with live.runtime.sessions() as session:  # queued before the hold message went out
        assert session.scalar(select(func.count()).select_from(ReplyOutbox)) == 1
    release.set()
    deferred.shutdown()  # the turn finished and stored its replies; the process died before texting them
    assert twilio_api.messages == []

    report = restarted(live, twilio_api).run_once(datetime.now(UTC) + timedelta(minutes=1))

    assert (report.resumed, report.outbox.sent) == (0, 1)
    [text] = twilio_api.messages
    assert text["To"] == DRIVER and text["Body"].startswith("Please step away from the charger")
    assert restarted(live, twilio_api).run_once(datetime.now(UTC) + timedelta(minutes=2)).outbox.sent == 0
    assert len(twilio_api.messages) == 1 and tickets(live) == [("field_engineering", "P1", "CP-2001")]


def test_a_reply_the_rest_api_refused_is_retried_with_backoff(live: LiveStack, twilio_api: TwilioRestServer) -> None:
    sid = new_sid("SM")
    with pytest.raises(ProcessKilled):
        twilio_for(live.runtime, engine=dying_engine(live)).sms(DRIVER, SMOKE, to=OUR_NUMBER, sid=sid)
    twilio_api.failing = True
    now = datetime.now(UTC)
    first = restarted(live, twilio_api).run_once(now)
    assert (first.resumed, first.outbox.failed) == (1, 1)
    twilio_api.failing = False
    assert restarted(live, twilio_api).run_once(now + timedelta(seconds=5)).outbox.sent == 0  # backing off
    assert restarted(live, twilio_api).run_once(now + timedelta(seconds=11)).outbox.sent == 1
    [text] = twilio_api.messages
    assert text["Body"].startswith("Please step away from the charger") and len(tickets(live)) == 1


def stored_message(runtime: Runtime, at: datetime) -> int:
    """A driver's message stored the way the webhook stores it, its turn never run."""
    from bot.conversation.store import ConversationStore

    message = InboundMessage(channel="sms", contact=DRIVER, text="help", delivery_id=new_sid("SM"), received_at=at)
    return ConversationStore(runtime.sessions).record_inbound(message, at).message_id


def test_two_processes_taking_over_the_same_turn_get_it_once(runtime: Runtime) -> None:
    from bot.conversation.resume import RunningTurns

    now = datetime.now(UTC)
    message_id = stored_message(runtime, now - timedelta(minutes=2))
    workers = [RunningTurns(runtime.sessions, owner=f"worker-{n}") for n in range(4)]
    start = threading.Barrier(len(workers))
    won: list[bool] = [False] * len(workers)

    def take(n: int) -> None:
        start.wait(10)
        won[n] = workers[n].take(message_id, now)

    threads = [threading.Thread(target=take, args=(n,)) for n in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert won.count(True) == 1


def test_a_long_turn_a_live_process_keeps_leasing_is_not_taken_over(runtime: Runtime) -> None:
    from bot.conversation.resume import RunningTurns

    now = datetime.now(UTC)
    message_id = stored_message(runtime, now - timedelta(minutes=2))
    alive, other = RunningTurns(runtime.sessions, owner="alive"), RunningTurns(runtime.sessions, owner="other")
    with alive.hold(message_id):
        assert alive.renew(now) == 1
        assert other.abandoned(now, max_age=timedelta(minutes=15)) == []
        assert other.take(message_id, now) is False
    later = now + alive.lease + timedelta(seconds=1)  # the process died: nobody renews its lease
    assert [t.message_id for t in other.abandoned(later, max_age=timedelta(minutes=15))] == [message_id]
    assert other.take(message_id, later) is True


def test_a_deferred_reply_the_rest_api_refused_is_sent_later_from_the_number_the_driver_wrote_to(
        live: LiveStack, twilio_api: TwilioRestServer) -> None:
    second_number = "+4930999888"  # not TWILIO_SMS_FROM: the driver wrote to another of our numbers
    outbox = ReplyOutboxStore(live.runtime.sessions)
    sender = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, api_url=twilio_api.url, timeout=5)
    deferred = DeferredTurns(budget=0, outbox=outbox)  # every turn outlasts the webhook's budget
    twilio = twilio_for(live.runtime, engine=live.engine, twilio_sender=sender, deferred=deferred)
    twilio_api.failing = True

    assert messages_of(twilio.sms(DRIVER, SMOKE, to=second_number).data) == [CHECKING]
    deferred.shutdown()  # the turn finished and its text was refused by the REST API
    assert twilio_api.messages == []

    report = restarted(live, twilio_api).run_once(datetime.now(UTC) + timedelta(minutes=1))
    twilio_api.failing = False
    report = restarted(live, twilio_api).run_once(datetime.now(UTC) + timedelta(minutes=2))

    assert report.outbox.sent == 1
    [text] = twilio_api.messages
    assert (text["To"], text["From"]) == (DRIVER, second_number)
    assert text["Body"].startswith("Please step away from the charger")


def test_a_resumed_turn_is_texted_even_when_the_driver_wrote_again_meanwhile(
        live: LiveStack, twilio_api: TwilioRestServer) -> None:
    sid = new_sid("SM")
    with pytest.raises(ProcessKilled):
        twilio_for(live.runtime, engine=dying_engine(live)).sms(DRIVER, SMOKE, to=OUR_NUMBER, sid=sid)
    # the driver, unanswered, writes again; a live worker answers that one
    assert messages_of(twilio_for(live.runtime, engine=live.engine).sms(DRIVER, "hello??", to=OUR_NUMBER).data)

    report = restarted(live, twilio_api).run_once()

    assert (report.resumed, report.outbox.sent) == (1, 1)
    [text] = twilio_api.messages
    assert text["To"] == DRIVER and text["Body"].startswith("Please step away from the charger")
    assert tickets(live) == [("field_engineering", "P1", "CP-2001")]
