"""The conversation engine: one call per inbound message, all state in the database.

    engine = build_engine(runtime)            # bot.conversation.factory, once per process
    result = engine.handle(InboundMessage(channel="webchat", contact=session_id, text="charger won't start",
                                          delivery_id=message_id, received_at=now, charger_hint="CP-1042"))
    if result.duplicate: send nothing        # the same delivery was processed before
    elif result.agent_mode: the text went to the agent console
    else: render result.replies for the channel (Reply.text for chat/SMS, Reply.voice_text for the ear)

`handle` never raises: when the NLU, the bridge or the database fails, the
driver gets an apology (and a ticket when the database still works).
A repeated delivery of a message whose first turn died with its process is
answered like a first one; `resume(message_id)` finishes such a turn for the
recovery worker (bot.channels.recovery).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.apology import apology, failed_turn
from bot.clock import utcnow
from bot.conversation import dialogue
from bot.conversation.directory import DEFAULT_TTL, ChargerDirectory
from bot.conversation.escalate import hand_off, summary_line
from bot.conversation.ports import NLU, Bridge, Knowledge, Policy, Rules, Tickets
from bot.conversation.resume import RunningTurns
from bot.conversation.store import IDLE_TIMEOUT, ConversationStore, Recorded
from bot.conversation.turn import Deps, Turn
from bot.db import read_sessions
from bot.errors import NLUUnavailable
from bot.logs import mask_phone
from bot.messages import InboundMessage, Reply, TurnResult

log = logging.getLogger(__name__)

EMPTY = Reply(text="Sorry, I didn't catch that. Could you tell me again what's happening?")


def _storable(value: str) -> str:
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in value if c != "\x00")


def storable(message: InboundMessage) -> InboundMessage:
    """What no database can store as text, made storable: a lone UTF-16 surrogate ("\\ud800" in JSON) marks
    its gap with U+FFFD, a NUL (PostgreSQL refuses it in text) is dropped; in the text, contact and delivery id.
    """
    fields = {"text": message.text, "contact": message.contact, "delivery_id": message.delivery_id}
    if not any(c == "\x00" or "\ud800" <= c <= "\udfff" for value in fields.values() for c in value):
        return message
    return replace(message, text=_storable(message.text), contact=_storable(message.contact),
                   delivery_id=_storable(message.delivery_id))


class ConversationEngine:
    """Turns one `InboundMessage` into a `TurnResult`; safe to share between threads (no per-turn state)."""

    def __init__(self, sessions: sessionmaker[Session], nlu: NLU, bridge: Bridge, knowledge: Knowledge,
                 policy: Policy, rules: Rules | None, tickets: Tickets, *,
                 clock: Callable[[], datetime] = utcnow, idle: timedelta = IDLE_TIMEOUT,
                 fleet_ttl: float = DEFAULT_TTL, running: RunningTurns | None = None,
                 language_by_number: bool = False) -> None:
        self.store = ConversationStore(sessions, idle)
        self.running = running or RunningTurns(sessions)  # the turns running here, leased while they run
        self.directory = ChargerDirectory(sessions, fleet_ttl)
        self.deps = Deps(sessions=sessions, reads=read_sessions(sessions), nlu=nlu, bridge=bridge, knowledge=knowledge, policy=policy,
                         rules=rules, tickets=tickets, store=self.store, clock=clock, directory=self.directory,
                         language_by_number=language_by_number)

    def handle(self, message: InboundMessage) -> TurnResult:
        """Store the message, run one turn of the dialogue, store the replies; never raises."""
        now = self.deps.clock()
        message = storable(message)
        try:
            recorded = self.store.record_inbound(message, now)
        except Exception:
            log.exception("could not store inbound message channel=%s contact=%s", message.channel,
                          mask_phone(message.contact))
            return failed_turn(message.channel)
        if recorded.duplicate:  # processed once; unless its first turn died unfinished, then this one finishes it
            resumed = self.resume(recorded.message_id)
            return resumed or TurnResult(conversation_id=recorded.conversation_id, duplicate=True)
        return self._turn(recorded, message, now)

    def resume(self, message_id: int) -> TurnResult | None:
        """Finish the turn of a stored message that a dead process left unfinished; None unless this one took it."""
        now = self.deps.clock()
        try:
            reopened = self.running.reopen(message_id) if self.running.take(message_id, now) else None
        except Exception:
            log.exception("could not take over the turn of message=%s", message_id)
            return None
        if reopened is None:
            return None
        recorded, message = reopened
        log.info("resuming an unfinished turn conversation=%s message=%s", recorded.conversation_id, message_id)
        return self._turn(recorded, message, now)

    def _turn(self, recorded: Recorded, message: InboundMessage, now: datetime) -> TurnResult:
        if recorded.mode == "agent":
            log.info("message for agent conversation=%s", recorded.conversation_id)
            self.running.leave_to_agent(recorded.message_id, now)
            return TurnResult(conversation_id=recorded.conversation_id, agent_mode=True)
        with self.running.hold(recorded.message_id):
            turn = Turn(self.deps, recorded.conversation_id, message, recorded.state, now)
            try:
                dialogue.run(turn)
                replies = tuple(turn.replies) or (EMPTY,)
            except Exception as exc:
                replies = self._fail_open(turn, recorded, exc)
            try:
                self.store.finish_turn(recorded.conversation_id, recorded.message_id, turn.state, replies,
                                       self.deps.clock(), intent=turn.understood.intent,
                                       confidence=turn.understood.confidence)
            except Exception:
                log.exception("could not save turn conversation=%s", recorded.conversation_id)
        return TurnResult(conversation_id=recorded.conversation_id, replies=replies,
                          charger_id=turn.state.charger_id, language=turn.lang)

    def _fail_open(self, turn: Turn, recorded: Recorded, exc: Exception) -> tuple[Reply, ...]:
        """Apologise and hand over with a ticket; the driver's words are already stored."""
        what = "the language service" if isinstance(exc, NLUUnavailable) else "a component"
        log.exception("turn failed (%s) conversation=%s", what, recorded.conversation_id)
        said = [r for r in turn.replies if r.handoff is not None or r.text == turn.t("safety.instructions")]
        turn.replies = said  # keep safety words and handoffs already given; drop half-finished answers
        if any(r.handoff is not None for r in said):
            return tuple(said)
        try:
            ok = hand_off(turn, facts={"bot_failures": 1},
                          summary=summary_line(turn, f"the bot failed mid-turn ({type(exc).__name__}); "
                                                     f"driver said \"{turn.text}\""),
                          intro="Sorry, something went wrong on my side.")
        except Exception:
            log.exception("fail-open ticket failed conversation=%s", recorded.conversation_id)
            return (*said, apology(turn.message.channel))
        # without a ticket hand_off has already apologised and named the support line
        return tuple(turn.replies) if ok or turn.replies else (apology(turn.message.channel),)
