
import pytest

from bot.runtime import Runtime
from tests.support.engine import RecordingEngine
from tests.support.twilio import TwilioClient, twilio_for


@pytest.fixture
def engine() -> RecordingEngine:
    return RecordingEngine()


@pytest.fixture
def twilio(runtime: Runtime, engine: RecordingEngine) -> TwilioClient:
    return twilio_for(runtime, engine=engine)


@pytest.fixture
def live(runtime: Runtime, trained_nlu, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The real engine on the real bridge and a simulated fleet playing the test's scenario (SQLite and PostgreSQL)."""
    from bot.fleet import import_fleet, parse_fleet_file
    from tests.bot.conversation.live import FLEET, LiveStack

    import_fleet(runtime.sessions, parse_fleet_file(FLEET))
    stack = LiveStack(runtime, getattr(request, "param", None) or {}, trained_nlu).start()
    yield stack
    stack.stop()


