"""Fixtures for the conversation engine: a fleet in a real database, fakes for the other packages."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.conversation.adapters import RulesAdapter
from bot.conversation.engine import ConversationEngine
from bot.fleet import import_fleet, parse_fleet_file
from bot.messages import InboundMessage, TurnResult
from bot.runtime import Runtime, start_runtime
from handoff.rules import load_rules
from tests.bot.conversation.fakes import (
    FakeBridge,
    FakeKnowledge,
    FakeNLU,
    FakePolicy,
    FakeTickets,
    connector,
    snapshot,
)

FLEET = Path(__file__).resolve().parents[2] / "data" / "fleet_small.yml"
T0 = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def fleet_runtime(runtime: Runtime) -> Runtime:
    """The shared runtime (SQLite and PostgreSQL) with the small example fleet."""
    import_fleet(runtime.sessions, parse_fleet_file(FLEET))
    return runtime


@pytest.fixture
def sqlite_runtime(tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on a SQLite file with the example fleet (dialogue tests need no second database)."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'conv.db'}", data_dir=tmp_path / "data",
                        api_token="t", secret_key="s", fleet_file=FLEET)
    rt = start_runtime(settings, announce=False)
    yield rt
    rt.close()


@pytest.fixture
def bridge() -> FakeBridge:
    fake = FakeBridge()
    fake.snapshots["CP-1042"] = snapshot("CP-1042", "Station 12", [connector(1, "CCS2", 150),
                                                                    connector(2, "CHAdeMO", 50)])
    fake.snapshots["CP-2001"] = snapshot("CP-2001", "Station 8", [connector(1, "Type 2", 22)], site_type="highway")
    return fake


@pytest.fixture
def parts(bridge: FakeBridge) -> dict:
    return {"nlu": FakeNLU(), "bridge": bridge, "knowledge": FakeKnowledge(), "policy": FakePolicy(),
            "tickets": FakeTickets(), "clock": Clock()}


@pytest.fixture
def rules_file() -> Path | None:
    """The escalation rules the `engine` routes tickets with (None: the packaged default); override to change."""
    return None


@pytest.fixture
def engine(sqlite_runtime: Runtime, parts: dict, rules_file: Path | None) -> ConversationEngine:
    return ConversationEngine(sqlite_runtime.sessions, parts["nlu"], parts["bridge"], parts["knowledge"],
                              parts["policy"], RulesAdapter(load_rules(rules_file)), parts["tickets"],
                              clock=parts["clock"])


@pytest.fixture
def say(engine: ConversationEngine, parts: dict) -> Callable[..., TurnResult]:
    """Send one message from the same driver; returns the TurnResult."""
    counter = itertools.count(1)

    def _say(text: str = "", *, contact: str = "+4915112345678", channel: str = "sms", **extra: object) -> TurnResult:
        message = InboundMessage(channel=channel, contact=contact, text=text,  # type: ignore[arg-type]
                                 delivery_id=f"d{next(counter)}", received_at=parts["clock"](), **extra)  # type: ignore[arg-type]
        return engine.handle(message)

    return _say


def texts(result: TurnResult) -> str:
    """Every reply's text, one per line."""
    return "\n".join(r.text for r in result.replies)


@pytest.fixture
def live(fleet_runtime: Runtime, request: pytest.FixtureRequest, trained_nlu):  # type: ignore[no-untyped-def]
    """The real bridge on real ports, a simulated fleet playing the test's scenario, and the engine
    (on SQLite and, when configured, PostgreSQL)."""
    from tests.bot.conversation.live import live_stack

    yield from live_stack(fleet_runtime, request, trained_nlu, with_fleet=False)
