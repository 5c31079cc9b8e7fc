"""One turn of the dialogue: the collaborators, the state, what the driver said, and the replies so far."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.context import Cues
from bot.conversation.directory import ChargerDirectory
from bot.conversation.ports import NLU, Bridge, Knowledge, Policy, Rules, Tickets
from bot.conversation.state import DialogueState
from bot.conversation.store import ConversationStore
from bot.db import transaction
from bot.i18n import DEFAULT, catalogue, t
from bot.messages import Choice, InboundMessage, Reply
from ocpp_bridge.snapshot import ChargerSnapshot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deps:
    """Everything a turn may consult; built once by the engine."""

    sessions: sessionmaker[Session]
    reads: sessionmaker[Session]  # autocommit sessions for reads that need no transaction
    nlu: NLU
    bridge: Bridge
    knowledge: Knowledge
    policy: Policy
    rules: Rules | None
    tickets: Tickets
    store: ConversationStore
    clock: Callable[[], datetime]
    directory: ChargerDirectory
    language_by_number: bool = False  # a phone number's country picks a new conversation's language (+49 -> de)


@dataclass
class Understanding:
    """The NLU's reading of the message (or of a pressed button)."""

    intent: str
    confidence: float
    entities: dict[str, Any] = field(default_factory=dict)
    ranking: tuple[tuple[str, float], ...] = ()


class Turn:
    """Mutable only within one request; nothing here outlives the turn except `state` (saved as JSON)."""

    def __init__(self, deps: Deps, conversation_id: str, message: InboundMessage, state: DialogueState,
                 now: datetime) -> None:
        self.deps = deps
        self.conversation_id = conversation_id
        self.message = message
        self.state = state
        self.now = now
        self.replies: list[Reply] = []
        self.understood = Understanding("out_of_scope", 0.0)
        self.cues = Cues()  # how the wording relates to what came before ("again", "I did that", ...)
        self._snapshots: dict[str, ChargerSnapshot | None] = {}
        self.memo: dict[str, Any] = {}  # facts read once per turn (recent failures, the network incident)

    @property
    def requested_by(self) -> str:
        """Who the bridge's audit log names for our remote actions."""
        return f"bot:{self.conversation_id}"

    @property
    def text(self) -> str:
        """What the driver typed or said (a keypad entry counts as text)."""
        return (self.message.text or self.message.digits or "").strip()

    @contextmanager
    def db(self) -> Iterator[Session]:
        """A short transaction (never held across a remote command)."""
        with transaction(self.deps.sessions) as session:
            yield session

    def say(self, text: str, voice: str | None = None, *, choices: tuple[Choice, ...] = (),
            links: tuple[tuple[str, str], ...] = (), image_url: str | None = None, sms: str | None = None,
            key_in: str | None = None) -> None:
        """Add one reply (`voice` and `sms`: the same written for the ear and for SMS, where they differ)."""
        self.replies.append(Reply(text=text, voice_text=voice, choices=tuple(self.choice(c) for c in choices),
                                  links=links, image_url=image_url, sms_text=sms, key_in=key_in))

    def choice(self, choice: Choice) -> Choice:
        """The choice with its title and spoken title in the conversation's language (catalogue `choices`)."""
        if self.lang == DEFAULT:
            return choice
        title = self._choice_words(choice.title)
        spoken = self._choice_words(choice.spoken) if choice.spoken else None
        return replace(choice, title=title, spoken=spoken)

    def _choice_words(self, english: str) -> str:
        key = f"choices.{english}"
        return t(key, self.lang) if key in catalogue(DEFAULT) else english

    @property
    def lang(self) -> str:
        """The conversation's language (English until one is known)."""
        return self.state.language or DEFAULT

    def t(self, key: str, /, **values: Any) -> str:
        """The driver-facing text `key` in the conversation's language (bot.i18n)."""
        return t(key, self.lang, **values)

    def entity(self, name: str) -> Any:
        """The value of one entity in this message, or None."""
        return self.understood.entities.get(name)

    def snapshot(self, charger_id: str | None = None, *, fresh: bool = False) -> ChargerSnapshot | None:
        """The charger's live state (read once per turn unless `fresh`)."""
        charger_id = charger_id or self.state.charger_id
        if charger_id is None:
            return None
        if fresh or charger_id not in self._snapshots:
            profile = self.deps.directory.profile(charger_id)
            with self.deps.reads() as session:
                self._snapshots[charger_id] = self.deps.bridge.snapshot(session, charger_id, profile)
        return self._snapshots[charger_id]

    def label(self, charger_id: str | None = None) -> str:
        """What drivers read on the charger ("Station 12"), falling back to its id."""
        charger_id = charger_id or self.state.charger_id
        if charger_id is None:
            return self.t("label.the_charger")
        snap = self._snapshots.get(charger_id)
        if snap is not None and snap.label:
            return snap.label
        entry = self.deps.directory.get(charger_id)
        return entry.label or charger_id if entry is not None else charger_id
