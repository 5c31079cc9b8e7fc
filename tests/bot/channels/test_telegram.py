import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bot.runtime import Runtime
from bot.web import create_app
from tests.support.engine import RecordingEngine
from tests.support.telegram import BotAPIServer, button_press, update

SECRET = "webhook-secret-123"


@pytest.fixture
def client(runtime: Runtime, engine: RecordingEngine, bot_api: BotAPIServer) -> FlaskClient:
    settings = runtime.settings.replace(telegram_bot_token=bot_api.token, telegram_webhook_secret=SECRET,
                                        telegram_api_url=bot_api.url, public_url="https://support.example.com")
    rt = Runtime(settings, runtime.engine, runtime.sessions, runtime.api_token, runtime.secret_key)
    return create_app(runtime=rt, engine=engine).test_client()


def post(client: FlaskClient, data: object, secret: str | None = SECRET):  # type: ignore[no-untyped-def]
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post("/telegram/webhook", json=data, headers=headers)


def test_a_text_is_answered_with_inline_buttons(client: FlaskClient, engine: RecordingEngine,
                                                bot_api: BotAPIServer) -> None:
    assert post(client, update(1, text="charger wont start")).status_code == 200
    assert bot_api.sent() == [{"chat_id": "4242", "text": "Which charger are you at?", "reply_markup": {
        "inline_keyboard": [[{"text": "Station 12", "callback_data": "charger:CP-1042"}]]}}]
    (seen,) = engine.seen
    assert (seen.channel, seen.contact, seen.text, seen.delivery_id) == ("telegram", "4242", "charger wont start", "1")


def test_a_button_press_is_acknowledged_and_passed_on(client: FlaskClient, engine: RecordingEngine,
                                                      bot_api: BotAPIServer) -> None:
    post(client, button_press(2, "charger:CP-1042", "Station 12"))
    assert bot_api.sent("answerCallbackQuery") == [{"callback_query_id": "cb2"}]
    assert (engine.seen[0].button, engine.seen[0].text) == ("charger:CP-1042", "Station 12")


def test_a_start_link_carries_the_charger(client: FlaskClient, engine: RecordingEngine) -> None:
    post(client, update(3, text="/start CP-1042"))
    assert engine.seen[0].charger_hint == "CP-1042" and engine.seen[0].text == ""


def test_locations_and_photos_reach_the_dialogue(client: FlaskClient, engine: RecordingEngine) -> None:
    post(client, update(4, location={"latitude": 52.5, "longitude": 13.4}))
    post(client, update(5, photo=[{"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
                                  {"file_id": "big", "file_unique_id": "b", "width": 900, "height": 900}],
                        caption="broken screen"))
    assert engine.seen[0].location == (52.5, 13.4)
    assert engine.seen[1].media_urls == ("telegram-file:big",) and engine.seen[1].text == "broken screen"


def test_a_duplicate_update_is_answered_once(client: FlaskClient, bot_api: BotAPIServer) -> None:
    post(client, update(6, text="hello"))
    post(client, update(6, text="hello"))
    assert len(bot_api.sent()) == 1


def test_wrong_or_missing_secret_is_refused_and_changes_nothing(client: FlaskClient, engine: RecordingEngine,
                                                                bot_api: BotAPIServer) -> None:
    assert post(client, update(7, text="hi"), secret=None).status_code == 403
    assert post(client, update(7, text="hi"), secret="guess").status_code == 403
    assert engine.seen == [] and bot_api.calls == []


def test_garbage_is_a_400_not_a_crash(client: FlaskClient, engine: RecordingEngine) -> None:
    assert post(client, ["not", "an", "update"]).status_code == 400
    assert post(client, {"update_id": "x", "message": "nope"}).status_code == 400
    assert post(client, {"update_id": 9}).status_code == 200  # an update kind we do not handle
    assert engine.seen == []


def test_the_bot_api_being_down_does_not_fail_the_webhook(client: FlaskClient, bot_api: BotAPIServer,
                                                          engine: RecordingEngine) -> None:
    bot_api.failing = True
    assert post(client, update(10, text="hello")).status_code == 200
    assert len(engine.seen) == 1  # the driver's words are kept even though the reply could not go out


def test_set_webhook_registers_the_public_url_and_secret(tmp_path: Path, bot_api: BotAPIServer) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARGELINE_", "TELEGRAM_"))}
    env.update(TELEGRAM_BOT_TOKEN=bot_api.token, TELEGRAM_WEBHOOK_SECRET=SECRET, TELEGRAM_API_URL=bot_api.url,
               CHARGELINE_PUBLIC_URL="https://support.example.com")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "telegram", "set-webhook"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "webhook set to https://support.example.com/telegram/webhook"
    (call,) = bot_api.sent("setWebhook")
    assert call["url"] == "https://support.example.com/telegram/webhook" and call["secret_token"] == SECRET
