"""Play corpus dialogues through the real engine, a real OCPP bridge and simulated chargers.

Every dialogue gets a fresh SQLite database, its own bridge on free ports and
its own simulated fleet, so history never leaks from one conversation into the
next. One event loop thread hosts every bridge and fleet; dialogues run on a
small thread pool.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.conversation.engine import ConversationEngine
from bot.evaluation.channels import Shown, render
from bot.evaluation.corpus import Dialogue, DriverTurn
from bot.evaluation.scenarios import SCENARIOS
from bot.fleet import parse_fleet_file
from bot.messages import InboundMessage, TurnResult
from bot.runtime import Runtime, start_runtime

log = logging.getLogger(__name__)
T = TypeVar("T")
EVAL_FLEET = Path(__file__).with_name("fleet.yml")
PROTECTIVE = "ChangeAvailability"  # taken out of service after a safety report; not a recovery action


@dataclass(frozen=True)
class Exchange:
    """One driver turn and what the channel showed in answer."""

    driver: str
    shown: Shown
    seconds: float


@dataclass
class DialogueRun:
    """Everything the judge needs about one played dialogue."""

    dialogue: Dialogue
    exchanges: list[Exchange] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # OCPP actions the bot sent, in order
    actions_after_safety: list[str] = field(default_factory=list)  # commands to a charger after its safety report
    guides: list[str] = field(default_factory=list)  # guide ids shown
    conversation_id: str = ""
    error: str | None = None  # the run itself broke (scenario not reached, crash)
    seconds: float = 0.0


class Stage:
    """What a scenario's preparation may use: the database, the simulated fleet, and other drivers."""

    def __init__(self, sessions: sessionmaker[Session], fleet: Any, engine: ConversationEngine,
                 charger_ids: Sequence[str]) -> None:
        self.sessions, self.fleet, self.engine, self.charger_ids = sessions, fleet, engine, list(charger_ids)
        self._ids = itertools.count(1)

    def other_driver(self, contact: str, charger_id: str, button: str) -> None:
        """Another driver's complaint at another charger, through the same engine."""
        self.engine.handle(InboundMessage(channel="sms", contact=contact, text="", button=button,
                                          delivery_id=f"other-{next(self._ids)}-{contact}",
                                          received_at=datetime.now(UTC), charger_hint=charger_id))


class Player:
    """Runs dialogues; `with Player(settings, nlu) as p: runs = p.play_all(dialogues)`."""

    def __init__(self, settings: Settings, nlu: Any, *, workdir: Path | None = None, jobs: int = 3) -> None:
        self.settings, self.nlu, self.jobs = settings, nlu, max(1, jobs)
        self._tmp = tempfile.TemporaryDirectory(prefix="chargeline-eval-") if workdir is None else None
        self.workdir = Path(self._tmp.name) if self._tmp else Path(workdir)  # type: ignore[arg-type]
        self.fleet_specs = list(parse_fleet_file(EVAL_FLEET).chargers)
        self._template = self.workdir / "template.db"  # migrated, with the fleet: copied for each dialogue
        self._migrations = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="eval-bridges", daemon=True)

    def __enter__(self) -> Player:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def run(self, coro: Awaitable[T], timeout: float = 60) -> T:
        """Run a coroutine on the bridges' loop."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]
        return future.result(timeout)

    def play_all(self, dialogues: Sequence[Dialogue],
                 progress: Callable[[int, int, DialogueRun], None] | None = None) -> list[DialogueRun]:
        """Play every dialogue (in parallel), in corpus order."""
        done = itertools.count(1)
        lock = threading.Lock()

        def one(dialogue: Dialogue) -> DialogueRun:
            result = self.play(dialogue)
            if progress is not None:
                with lock:
                    progress(next(done), len(dialogues), result)
            return result

        with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="eval") as pool:
            return list(pool.map(one, dialogues))

    def play(self, dialogue: Dialogue) -> DialogueRun:
        """Play one dialogue on a fresh stack; never raises (a broken run is recorded in `error`)."""
        started = time.monotonic()
        run = DialogueRun(dialogue)
        try:
            with self._stack(dialogue) as (runtime, stage):
                self._converse(dialogue, stage.engine, run)
                self._collect(runtime, run)
        except Exception as exc:  # the evaluation reports it as a failed dialogue with the reason
            log.exception("dialogue %s could not be played", dialogue.id)
            run.error = f"{type(exc).__name__}: {exc}"
        run.seconds = time.monotonic() - started
        return run

    @contextmanager
    def _stack(self, dialogue: Dialogue) -> Iterator[tuple[Runtime, Stage]]:
        from bot.conversation.factory import build_engine
        from ocpp_bridge.core import BridgeOptions
        from ocpp_bridge.server import Bridge
        from ocpp_bridge.simulator import SimulatedFleet

        spec = SCENARIOS[dialogue.scenario]
        home = self.workdir / re.sub(r"[^A-Za-z0-9_.-]", "_", dialogue.id)
        home.mkdir(parents=True, exist_ok=True)
        settings = self.settings.replace(database_url=f"sqlite:///{home / 'eval.db'}", data_dir=home,
                                         fleet_file=EVAL_FLEET, api_token="eval-token", secret_key="eval-secret",
                                         redis_url=None)
        with self._migrations:  # alembic's migration context is process-global: one at a time
            if not self._template.exists():
                start_runtime(settings.replace(database_url=f"sqlite:///{self._template}"), announce=False).close()
            shutil.copyfile(self._template, home / "eval.db")
            runtime = start_runtime(settings, announce=False)
        bridge = Bridge(runtime, "127.0.0.1", 0, 0, options=BridgeOptions(
            command_timeout=5.0, verify_timeout=8.0, gc_freeze=False, watchdog_period=0.5))
        fleet = None
        try:
            self.run(bridge.start())
            by_id = {c.id: c for c in self.fleet_specs}
            scripts: dict[str, Any] = {}
            if dialogue.charger and dialogue.charger in by_id:
                behaviour = spec.behaviour(dialogue.params, by_id[dialogue.charger])
                if behaviour:
                    scripts[dialogue.charger] = behaviour
            chargers = [c for c in self.fleet_specs if spec.connected or c.id != dialogue.charger]
            fleet = SimulatedFleet(bridge.url, chargers, scripts, protocol="1.6", heartbeat_interval=300)
            self.run(fleet.__aenter__())
            engine = build_engine(runtime, bridge_url=bridge.control_url, nlu=self.nlu, bridge_timeout=30,
                                  freeze_gc=False)
            stage = Stage(runtime.sessions, fleet, engine, [c.id for c in self.fleet_specs])
            if spec.prepare is not None:
                self.run(spec.prepare(stage, dialogue.charger or "", dialogue.params))
            yield runtime, stage
        finally:
            try:
                if fleet is not None:
                    self.run(fleet.close(), 20)
                self.run(bridge.stop(), 20)
            finally:
                runtime.close()

    def _converse(self, dialogue: Dialogue, engine: ConversationEngine, run: DialogueRun) -> None:
        contact = _contact(dialogue)
        ids = itertools.count(1)
        if dialogue.channel == "telegram" and dialogue.qr and dialogue.charger:
            # the deep link: Telegram sends "/start CP-..." before the driver types anything
            self._turn(engine, run, dialogue, DriverTurn(text=f"/start {dialogue.charger}"), contact, next(ids),
                       hint=dialogue.charger)
        options: Sequence[Any] = ()
        for turn in dialogue.turns:
            hint = dialogue.charger if dialogue.qr and dialogue.channel == "webchat" else None
            shown = self._turn(engine, run, dialogue, turn, contact, next(ids), hint=hint, options=options)
            options = shown.options
            if shown.handoff and dialogue.channel == "voice":
                break  # the call is transferred to a person: the caller's next words are not the bot's

    def _turn(self, engine: ConversationEngine, run: DialogueRun, dialogue: Dialogue, turn: DriverTurn,
              contact: str, number: int, *, hint: str | None = None, options: Sequence[Any] = ()) -> Shown:
        message = _inbound(dialogue, turn, contact, number, hint, options)
        started = time.monotonic()
        result: TurnResult = engine.handle(message)
        shown = render(dialogue.channel, result.replies, result.charger_id, result.language)
        run.exchanges.append(Exchange(turn.describe() or message.text, shown, time.monotonic() - started))
        run.conversation_id = result.conversation_id or run.conversation_id
        return shown

    def _collect(self, runtime: Runtime, run: DialogueRun) -> None:
        from bot.conversation.models import Conversation
        from handoff.models import Ticket
        from handoff.tickets import ticket_json, ticket_number
        from ocpp_bridge.models import CommandAudit

        conversation_id = run.conversation_id
        with runtime.sessions() as session:
            conversation = session.get(Conversation, conversation_id)
            state = (conversation.state if conversation is not None else None) or {}
            # its own tickets, and one it was merged into (the same problem on the same charger)
            refs = {ticket_number(r) for r in (state.get("ticket_id"), state.get("handed_off")) if r}
            tickets = session.scalars(select(Ticket).where(
                (Ticket.conversation_id == conversation_id) | Ticket.id.in_({r for r in refs if r}))
                .order_by(Ticket.id))
            run.tickets = [ticket_json(t) for t in tickets]
            audits = list(session.scalars(select(CommandAudit).where(
                CommandAudit.requested_by == f"bot:{conversation_id}").order_by(CommandAudit.id)))
        protected: set[str] = set()  # chargers taken out of service after a safety report
        for audit in audits:
            if audit.action == PROTECTIVE:
                protected.add(audit.charger_id)
                continue
            run.actions.append(audit.action)
            if audit.charger_id in protected:
                run.actions_after_safety.append(audit.action)
        run.guides = [str(g) for g in state.get("told") or [] if isinstance(g, str)]


def _contact(dialogue: Dialogue) -> str:
    digits = f"{abs(hash(dialogue.id)) % 10**7:07d}"
    return {"sms": f"+49151{digits}", "voice": f"+49152{digits}", "whatsapp": f"whatsapp:+49153{digits}",
            "telegram": f"7{digits}"}.get(dialogue.channel, f"web-{digits}")


def _inbound(dialogue: Dialogue, turn: DriverTurn, contact: str, number: int, hint: str | None,
             options: Sequence[Any]) -> InboundMessage:
    text, button, digits = turn.text, turn.button, None
    if turn.press is not None:
        if dialogue.channel == "voice":
            digits = turn.press
        else:  # a chat driver taps the n-th button
            index = int(turn.press) - 1 if turn.press.isdigit() else -1
            if 0 <= index < len(options):
                button, text = options[index].payload, options[index].title
            else:
                text = turn.press
    if text.startswith("/start") and dialogue.channel == "telegram":
        text = ""
    return InboundMessage(channel=dialogue.channel, contact=contact, text=text,  # type: ignore[arg-type]
                          delivery_id=f"eval-{contact}-{number}", received_at=datetime.now(UTC),
                          charger_hint=hint, digits=digits, button=button)
