"""The web chat in German: the page's language from ?lang= or Accept-Language, and each message carries it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pytest
from flask.testing import FlaskClient

from bot.messages import InboundMessage, Reply, TurnResult
from bot.runtime import Runtime
from bot.web import create_app


@dataclass
class RecordingEngine:
    seen: list[InboundMessage] = field(default_factory=list)

    def handle(self, message: InboundMessage) -> TurnResult:
        self.seen.append(message)
        return TurnResult(conversation_id="c1", replies=(Reply(text="ok"),))


@pytest.fixture
def engine() -> RecordingEngine:
    return RecordingEngine()


@pytest.fixture
def client(runtime: Runtime, engine: RecordingEngine) -> FlaskClient:
    return create_app(runtime=runtime, engine=engine).test_client()


def _texts(page: str) -> dict[str, str]:
    found = re.search(r'<script type="application/json" id="texts">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_the_qr_links_lang_gives_a_german_page(client: FlaskClient) -> None:
    page = client.get("/chat?charger=CP-1042&lang=de").get_data(as_text=True)
    assert '<html lang="de">' in page and 'data-lang="de"' in page
    assert "<h1>Hilfe beim Laden</h1>" in page and 'placeholder="Nachricht eingeben"' in page
    assert '<button type="submit">Senden</button>' in page
    assert _texts(page)["agent_has_it"] == "Ein Support-Mitarbeiter hat Ihre Nachricht."


def test_the_browsers_accept_language_gives_a_german_page(client: FlaskClient) -> None:
    page = client.get("/chat", headers={"Accept-Language": "de-AT,de;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="de">' in page


def test_without_either_the_page_is_english_as_before(client: FlaskClient) -> None:
    page = client.get("/chat", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>Charging help</h1>" in page
    assert '<button type="submit">Send</button>' in page
    assert _texts(page)["retrying"] == "Connection lost, retrying…"


def test_a_message_carries_the_pages_language_to_the_engine(client: FlaskClient, engine: RecordingEngine) -> None:
    client.post("/api/chat", json={"text": "Säule 7 startet nicht", "lang": "de"})
    client.post("/api/chat", json={"text": "it won't start"}, headers={"Accept-Language": "de"})
    client.post("/api/chat", json={"text": "it won't start"})
    assert [m.language for m in engine.seen] == ["de", "de", None]
