"""The Rasa backend against a local HTTP server standing in for Rasa, and its fallback."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from bot.config import Settings
from bot.nlu import load_engine
from bot.nlu.engine import BuiltinEngine
from bot.nlu.rasa import RasaEngine

SAMPLE = Path(__file__).parent / "data"
RASA_REPLY = {
    "text": "CP-1042 says E42",
    "intent": {"name": "error_message", "confidence": 0.91},
    "intent_ranking": [{"name": "error_message", "confidence": 0.91}, {"name": "start_failure", "confidence": 0.05}],
    "entities": [{"entity": "charger_id", "value": "CP-1042", "start": 0, "end": 7, "confidence_entity": 0.99,
                  "extractor": "DIETClassifier"}],
}


class _FakeRasa(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []
    reply: ClassVar[dict[str, Any]] = RASA_REPLY

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({"path": self.path, "body": body})
        payload = json.dumps({**type(self).reply, "text": body["text"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def rasa_url() -> Iterator[str]:
    _FakeRasa.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_rasa_answer_becomes_the_same_parse_result(rasa_url: str) -> None:
    result = RasaEngine(rasa_url).parse("CP-1042 says E42")
    assert _FakeRasa.received == [{"path": "/model/parse", "body": {"text": "CP-1042 says E42"}}]
    assert (result.intent, result.confidence) == ("error_message", 0.91)
    assert result.ranking == (("error_message", 0.91), ("start_failure", 0.05))
    assert result.entity("charger_id").value == "CP-1042"
    assert result.entity("charger_id").raw == "CP-1042"
    assert result.to_dict()["intent"] == {"name": "error_message", "confidence": 0.91}


def test_safety_net_also_overrides_rasa(rasa_url: str) -> None:
    result = RasaEngine(rasa_url).parse("CP-1042 says E42 and it's smoking")
    assert result.intent == "safety_hazard"
    assert result.ranking[0] == ("error_message", 0.91)


def test_rasa_down_falls_back_to_the_builtin_engine(closed_port_url: str, engine: BuiltinEngine,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    rasa = RasaEngine(closed_port_url, fallback=lambda: engine, timeout=1.0)
    result = rasa.parse("my credit card was declined")
    assert result.intent == "payment_failed"
    assert "using the built-in NLU" in caplog.text


def test_load_engine_with_rasa_backend_posts_to_rasa(rasa_url: str, tmp_path: Path) -> None:
    settings = Settings(nlu_backend="rasa", rasa_url=rasa_url, data_dir=tmp_path,
                        nlu_data_dir=SAMPLE)
    assert load_engine(settings).parse("CP-1042 says E42").intent == "error_message"
    assert not (tmp_path / "models").exists()  # the fallback is only trained when Rasa fails


def test_load_engine_falls_back_when_rasa_is_down(closed_port_url: str, tmp_path: Path) -> None:
    settings = Settings(nlu_backend="rasa", rasa_url=closed_port_url, data_dir=tmp_path,
                        nlu_data_dir=SAMPLE)
    assert load_engine(settings).parse("hello").intent == "greet"
