"""Finish what a dead web process left: unfinished turns, and replies that never went out.

At start and every `CHARGELINE_RECOVERY_INTERVAL` seconds the web process
looks for driver messages stored but never processed, older than
`CHARGELINE_TURN_GRACE` and claimed by no live process. One process takes
each over (an atomic claim), runs its turn through the real engine (tickets
are filed where the rules say so) and, since the webhook is gone, queues the
answer in the reply outbox: SMS and WhatsApp go through Twilio's REST API,
Telegram through the Bot API. A call that is gone is not spoken to; its turn
still runs so that its ticket is filed, and the log says so. A second thread
keeps the leases of the turns running in this process fresh.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.channels.outbox import OutboxReport, ReplyOutboxStore, ReplySender, deliver_due
from bot.channels.telegram import BotAPI
from bot.channels.twilio_rest import TwilioSender
from bot.clock import utcnow
from bot.conversation.resume import RunningTurns, prune_claims
from bot.outbound import Outbound, mask_contact
from bot.periodic import PeriodicWorker
from bot.services import services

log = logging.getLogger(__name__)


@dataclass
class RecoveryReport:
    """What one pass did: turns resumed (of which calls already gone), and the outbox's pass."""

    resumed: int = 0
    calls_gone: int = 0
    outbox: OutboxReport = field(default_factory=OutboxReport)


class TurnRecovery:
    """Resume abandoned turns through `engine` and send their answers (and any due reply) through `sender`."""

    def __init__(self, engine: Any, outbox: ReplyOutboxStore, sender: ReplySender, *,
                 max_age: timedelta = timedelta(minutes=15)) -> None:
        self.engine = engine
        self.outbox = outbox
        self.sender = sender
        self.max_age = max_age

    @property
    def running(self) -> RunningTurns:
        return self.engine.running  # type: ignore[no-any-return]

    def run_once(self, now: datetime | None = None) -> RecoveryReport:
        """One pass: resume every abandoned turn, then send every due reply."""
        now = now or utcnow()
        report = RecoveryReport()
        for turn in self.running.abandoned(now, max_age=self.max_age):
            if turn.delivery_id is not None:  # queued first: if this process dies too, the next one sends it
                self.outbox.enqueue(turn.channel, turn.delivery_id, now, due=now)
            result = self.engine.resume(turn.message_id)
            if result is None:
                continue  # another process took it
            report.resumed += 1
            who = mask_contact(turn.channel, turn.contact)
            if turn.channel == "voice":
                report.calls_gone += 1
                log.warning("resumed the unfinished turn of a call that has ended conversation=%s caller=%s: "
                            "nothing is said; a ticket is filed if the rules call for one", turn.conversation_id, who)
            else:
                log.warning("resumed an unfinished turn left by a dead process conversation=%s channel=%s to=%s",
                            turn.conversation_id, turn.channel, who)
        report.outbox = deliver_due(self.outbox, self.running, self.sender, now)
        prune_claims(self.outbox.sessions)
        return report

    def note_too_old(self, now: datetime | None = None) -> int:
        """Log (once, at start) how many unfinished turns are too old to answer; how many."""
        count = self.running.count_too_old(now or utcnow(), max_age=self.max_age)
        if count:
            log.warning("%d driver messages were left unanswered longer than %d s ago and are not resumed "
                        "(CHARGELINE_RECOVERY_MAX_AGE); they stay in their transcripts", count,
                        self.max_age.total_seconds())
        return count


class RecoveryWorker:
    """Two periodic threads: one renews this process's leases, one runs `TurnRecovery` passes."""

    def __init__(self, recovery: TurnRecovery, *, interval: float, clock: Callable[[], datetime] = utcnow) -> None:
        self.recovery = recovery
        self.clock = clock
        every = recovery.running.lease.total_seconds() / 3  # three renewals within a lease
        self._leases = PeriodicWorker("leases", (self._renew,), interval=every)
        self._passes = PeriodicWorker("recovery", (self._recover,), interval=interval)
        self._first = True

    def start(self) -> RecoveryWorker:
        """Start both threads; the first recovery pass runs at once."""
        self._leases.start()
        self._passes.start()
        return self

    def wake(self) -> None:
        """Run a recovery pass now rather than at the next tick."""
        self._passes.wake()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current pass."""
        self._passes.stop(timeout)
        self._leases.stop(timeout)

    def _renew(self) -> None:
        self.recovery.running.renew(self.clock())

    def _recover(self) -> None:
        now = self.clock()
        if self._first:  # once at start: say how many turns are too old to answer
            self._first = False
            try:
                self.recovery.note_too_old(now)
            except Exception:
                log.exception("counting old unfinished turns failed")
        self.recovery.run_once(now)


def start_turn_recovery(app: Any) -> RecoveryWorker:
    """Wire recovery into a built Flask app and start it: the app's engine (built now if it is not yet: one NLU
    model per process, loaded at start rather than on the first webhook), REST clients and reply outbox."""
    runtime = app.extensions["chargeline"]
    found = services(app)
    settings = runtime.settings
    if found.reply_outbox is None:
        found.reply_outbox = ReplyOutboxStore(runtime.sessions)
    outbox = found.reply_outbox
    engine = found.conversation_engine()
    engine.running.grace = timedelta(seconds=settings.turn_grace)
    telegram = found.telegram or (
        BotAPI(settings.telegram_bot_token, settings.telegram_api_url) if settings.telegram_bot_token else None)
    outbound = Outbound(twilio=found.twilio_sender or TwilioSender.from_settings(settings),
                        sms_from=settings.twilio_sms_from, whatsapp_from=settings.twilio_whatsapp_from,
                        telegram=telegram, sessions=runtime.sessions)
    sender = ReplySender(outbound, settings.public_url, telegram)
    recovery = TurnRecovery(engine, outbox, sender, max_age=timedelta(seconds=settings.recovery_max_age))
    log.info("turn recovery started grace=%.0fs interval=%.0fs owner=%s", settings.turn_grace,
             settings.recovery_interval, engine.running.owner)
    return RecoveryWorker(recovery, interval=settings.recovery_interval).start()


class RecoveryStarter:
    """Starts turn recovery once the database answers (a web process may start during an outage)."""

    def __init__(self, app: Any, ready: Callable[[], bool], *, every: float = 2.0) -> None:
        self.app, self.ready, self.every = app, ready, every
        self.worker: RecoveryWorker | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chargeline-recovery-start", daemon=True)

    def start(self) -> RecoveryStarter:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.ready():
                    self.worker = start_turn_recovery(self.app)  # builds the engine: the first turn is warm too
                    return
            except Exception:  # e.g. the NLU model cannot load: webhooks still answer; say why recovery is off
                log.exception("turn recovery could not start; retrying in %.0f s", self.every * 15)
                self._stop.wait(self.every * 15)
            self._stop.wait(self.every)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop waiting, or stop the running worker."""
        self._stop.set()
        self._thread.join(timeout)
        if self.worker is not None:
            self.worker.stop(timeout)
