"""The served web app (`create_app(background=True)`, as gunicorn and `chargeline web` build it) resumes a
turn a dead process left unfinished and texts the answer, without anything but its own start."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bench._system import free_port
from bot.conversation.store import ConversationStore
from bot.messages import InboundMessage
from bot.runtime import Runtime
from tests.support.twilio import new_sid
from tests.support.twilio_rest import ACCOUNT_SID, AUTH_TOKEN, TwilioRestServer

pytestmark = [pytest.mark.slow]
DRIVER = "+4915112340077"
OUR_NUMBER = "+4930111222"


@pytest.fixture
def twilio_api():  # type: ignore[no-untyped-def]
    server = TwilioRestServer()
    yield server
    server.stop()


def test_the_served_app_answers_a_message_a_dead_process_left_by_text(runtime: Runtime, trained_nlu: Any,
                                                                       twilio_api: TwilioRestServer) -> None:
    from bot.conversation.factory import build_engine
    from bot.web import create_app

    settings = runtime.settings.replace(twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                                        twilio_api_url=twilio_api.url, twilio_sms_from=OUR_NUMBER)
    served = Runtime(settings, runtime.engine, runtime.sessions, runtime.api_token, runtime.secret_key)
    then = datetime.now(UTC) - timedelta(minutes=2)  # stored, then its process died: older than the grace
    message = InboundMessage(channel="sms", contact=DRIVER, text="how do I pay here", delivery_id=new_sid("SM"),
                             received_at=then)
    ConversationStore(served.sessions).record_inbound(message, then)
    engine = build_engine(served, bridge_url=f"http://127.0.0.1:{free_port()}", nlu=trained_nlu, bridge_timeout=1,
                          freeze_gc=False)

    app = create_app(runtime=served, background=True, engine=engine)
    try:
        deadline = time.monotonic() + 60
        while not twilio_api.messages and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        for name in ("chargeline.recovery", "chargeline.background"):
            app.extensions[name].stop()

    [text] = twilio_api.messages
    assert (text["To"], text["From"]) == (DRIVER, OUR_NUMBER)
    assert "app" in text["Body"].lower()  # the payment answer
