"""Knowledge texts over SMS: the guides' and error codes' own SMS wording reaches the driver, whole."""

from __future__ import annotations

import pytest

from bot.channels.sms import sms_text
from bot.conversation.adapters import KnowledgeAdapter
from bot.conversation.describe import Fault, explain_fault
from bot.conversation.engine import ConversationEngine
from bot.fleet import import_fleet, parse_fleet_file
from bot.knowledge import GuideContext, KnowledgeBase, load_knowledge
from bot.messages import Reply
from bot.runtime import Runtime
from tests.bot.conversation.conftest import FLEET, Clock
from tests.bot.conversation.fakes import FakeBridge, FakeNLU, FakePolicy, FakeTickets, connector, snapshot
from tests.support.twilio import TwilioClient, messages_of, twilio_for

DRIVER = "+4915112340002"


@pytest.fixture
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture
def bridge() -> FakeBridge:
    fake = FakeBridge()
    fake.snapshots["CP-2001"] = snapshot("CP-2001", "Station 8", [connector(1, "Type 2", 22)], site_type="highway")
    return fake


@pytest.fixture
def twilio(runtime: Runtime, kb: KnowledgeBase, bridge: FakeBridge) -> TwilioClient:
    """The SMS webhook on the real dialogue and the real knowledge base; small fakes for the rest."""
    import_fleet(runtime.sessions, parse_fleet_file(FLEET))
    engine = ConversationEngine(runtime.sessions, FakeNLU(), bridge, KnowledgeAdapter(kb), FakePolicy(), None,
                                FakeTickets(), clock=Clock())
    return twilio_for(runtime, engine=engine)


def test_how_to_start_is_texted_in_the_guides_own_sms_words(twilio: TwilioClient, runtime: Runtime,
                                                              kb: KnowledgeBase) -> None:
    (body,) = messages_of(twilio.sms(DRIVER, "how do I start charging at station 8?").data)
    guide = kb.for_intent("how_to_start")[0]
    with runtime.sessions() as session:
        context = GuideContext.from_fleet(session, "CP-2001")
    assert body == guide.render("sms", context).text
    assert body != guide.render("chat", context).text


def test_a_fault_is_explained_in_the_error_codes_own_sms_words(kb: KnowledgeBase) -> None:
    explanation = kb.error_code("InternalError")
    assert explanation is not None
    fault = Fault(1, "Faulted", "InternalError", explanation)
    assert explain_fault(fault, "sms") == (
        f"Connector 1 reports a fault (code InternalError). {explanation.driver_text.sms}")
    reply = Reply(text=explain_fault(fault), sms_text=explain_fault(fault, "sms"))
    assert sms_text([reply]) == explain_fault(fault, "sms")
