
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
    from tests.bot.conversation.live import live_stack

    yield from live_stack(runtime, request, trained_nlu)


