from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.messages import Choice, InboundMessage, Reply, TurnResult
from bot.runtime import Runtime
from bot.web import create_app
from tests.support.twilio import AUTH_TOKEN, PUBLIC_URL, TwilioClient


@dataclass
class RecordingEngine:
    """Stands in for the conversation engine to test an adapter's contract alone."""

    seen: list[InboundMessage] = field(default_factory=list)
    replies: tuple[Reply, ...] = (Reply(text="Which charger are you at?",
                                        choices=(Choice("Station 12", "charger:CP-1042"),)),)
    fail: bool = False
    agent_mode: bool = False

    def handle(self, message: InboundMessage) -> TurnResult:
        if self.fail:
            raise RuntimeError("database went away")
        duplicate = any(m.delivery_id == message.delivery_id and m.channel == message.channel for m in self.seen)
        self.seen.append(message)
        if duplicate:
            return TurnResult("c1", duplicate=True)
        return TurnResult("c1", replies=self.replies, agent_mode=self.agent_mode, charger_id="CP-1042")


@pytest.fixture
def engine() -> RecordingEngine:
    return RecordingEngine()


@pytest.fixture
def twilio(runtime: Runtime, engine: RecordingEngine) -> TwilioClient:
    settings = runtime.settings.replace(twilio_auth_token=AUTH_TOKEN, public_url=PUBLIC_URL)
    runtime = Runtime(settings, runtime.engine, runtime.sessions, runtime.api_token, runtime.secret_key)
    return TwilioClient(create_app(runtime=runtime, engine=engine).test_client())
