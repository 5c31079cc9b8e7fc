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
