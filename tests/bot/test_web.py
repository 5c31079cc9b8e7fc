import pytest
from flask.testing import FlaskClient

from bot.runtime import Runtime
from bot.web import create_app


@pytest.fixture
def client(runtime: Runtime) -> FlaskClient:
    return create_app(runtime=runtime).test_client()


def test_health_reports_the_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_unknown_paths_get_a_json_404(client: FlaskClient) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.get_json()["error"] == "Not Found"


def test_huge_bodies_are_refused_without_a_stack_trace(client: FlaskClient) -> None:
    response = client.post("/healthz", data=b"x" * (300 * 1024))
    assert response.status_code in (405, 413)
    assert b"Traceback" not in response.data


# RecursionError in Python's json: it used to become a 500 (and within the web chat's 64 KB body limit)
DEEP = b"[" * 30_000 + b"]" * 30_000


def test_json_nested_30000_deep_is_a_bad_request_on_every_json_endpoint(runtime: Runtime) -> None:
    import dataclasses

    settings = runtime.settings.replace(telegram_bot_token="123:abc", telegram_webhook_secret="s3cret")
    client = create_app(runtime=dataclasses.replace(runtime, settings=settings)).test_client()
    answers = {
        "chat": client.post("/api/chat", data=DEEP, content_type="application/json"),
        "commands": client.post("/api/chargers/CP-1/commands", data=DEEP, content_type="application/json",
                                headers={"Authorization": f"Bearer {runtime.api_token}"}),
        "telegram": client.post("/telegram/webhook", data=DEEP, content_type="application/json",
                                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}),
    }
    assert {name: r.status_code for name, r in answers.items()} == {"chat": 400, "commands": 400, "telegram": 400}
    assert all(b"Traceback" not in r.data and r.is_json for r in answers.values())


def test_ordinary_json_still_reads_whatever_its_strings_hold() -> None:
    from flask import Flask

    from bot.web.jsonbody import BoundedJSONProvider, nesting

    provider = BoundedJSONProvider(Flask("t"))
    assert provider.loads('{"text": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ brackets in a string"}') == {
        "text": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ brackets in a string"}
    assert nesting('{"a": [{"b": "]]]"}]}') == 3
