import re
from pathlib import Path

import pytest

from bot.config import Settings, load_settings, read_dotenv, variable_names
from bot.errors import ConfigError


def test_defaults_work_for_the_embedded_mode() -> None:
    settings = load_settings({}, dotenv=None)
    assert settings.database_url == "sqlite:///chargeline.db"
    assert (settings.web_port, settings.ocpp_port) == (8000, 9000)
    assert settings.public_url == "http://localhost:8000"
    assert settings.agent_queue == "support"
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.redis_url is None


def test_environment_overrides_are_typed() -> None:
    settings = load_settings(
        {"CHARGELINE_WEB_PORT": "8080", "CHARGELINE_REDIS_URL": "redis://127.0.0.1:6379/0",
         "CHARGELINE_PUBLIC_URL": "https://support.example.com/"},
        dotenv=None,
    )
    assert settings.web_port == 8080
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.public_url == "https://support.example.com"


def test_every_problem_is_reported_on_its_own_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(
            {"CHARGELINE_WEB_PORT": "eighty", "CHARGELINE_OCPP_PORT": "70000",
             "CHARGELINE_DATABASE_URL": "not a url", "CHARGELINE_FLEET_FILE": str(tmp_path / "missing.yml"),
             "CHARGELINE_REDIS_URL": "http://x"},
            dotenv=None,
        )
    problems = caught.value.problems
    assert len(problems) == 5
    assert any(p.startswith("CHARGELINE_WEB_PORT:") and "'eighty'" in p for p in problems)
    assert any(p.startswith("CHARGELINE_OCPP_PORT:") and "70000" in p for p in problems)
    assert any(p.startswith("CHARGELINE_DATABASE_URL:") for p in problems)
    assert any(p.startswith("CHARGELINE_FLEET_FILE:") and "missing.yml" in p for p in problems)
    assert any(p.startswith("CHARGELINE_REDIS_URL:") for p in problems)


def test_a_misspelt_variable_is_an_error_naming_the_setting_meant(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"CHARGELINE_DATABSE_URL": f"sqlite:///{tmp_path / 'x.db'}", "TWILIO_AUTH_TOKN": "t",
                       "CHARGELINE_COLOUR": "blue", "CHARGELINE_TEST_DATABASE_URL": "postgresql://x/test",
                       "TWILIO_ACCOUNT_SID": "AC1", "HOME": "/root"}, dotenv=None)
    assert caught.value.problems == [
        "CHARGELINE_COLOUR: not a setting ChargeLine knows (see the settings table in docs/operating.md)",
        "CHARGELINE_DATABSE_URL: not a setting ChargeLine knows; did you mean CHARGELINE_DATABASE_URL?",
        "TWILIO_AUTH_TOKN: not a setting ChargeLine knows; did you mean TWILIO_AUTH_TOKEN?"]


def test_a_misspelt_variable_in_dotenv_is_an_error_too(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("TELEGRAM_BOT_TOKE=123:abc\n")
    with pytest.raises(ConfigError) as caught:
        load_settings({}, dotenv=dotenv)
    assert caught.value.problems == [
        "TELEGRAM_BOT_TOKE: not a setting ChargeLine knows; did you mean TELEGRAM_BOT_TOKEN?"]


def test_rasa_backend_needs_a_url() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"CHARGELINE_NLU": "rasa"}, dotenv=None)
    assert caught.value.problems == ["CHARGELINE_RASA_URL: required when CHARGELINE_NLU=rasa"]


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text('# comment\nexport CHARGELINE_WEB_PORT=8181\nCHARGELINE_AGENT_QUEUE="night shift"\n')
    assert read_dotenv(dotenv) == {"CHARGELINE_WEB_PORT": "8181", "CHARGELINE_AGENT_QUEUE": "night shift"}
    settings = load_settings({"CHARGELINE_WEB_PORT": "8282"}, dotenv=dotenv)
    assert settings.web_port == 8282
    assert settings.agent_queue == "night shift"


def test_secrets_are_masked_in_repr() -> None:
    settings = Settings(twilio_auth_token="abc123secret", api_token="tok-very-secret")
    text = repr(settings)
    assert "abc123secret" not in text and "tok-very-secret" not in text
    assert "twilio_auth_token='***'" in text


def _settings_table() -> str:
    """The rows of the settings table in docs/operating.md (the section the error message points to)."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "operating.md").read_text()
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("| `"))


def test_the_settings_table_documents_every_variable() -> None:
    table = _settings_table()
    missing = [name for name in variable_names() if f"`{name}`" not in table]
    assert missing == []


def test_the_settings_table_names_only_real_variables() -> None:
    named = set(re.findall(r"`((?:CHARGELINE|TWILIO|TELEGRAM)_[A-Z0-9_]+)`", _settings_table()))
    assert sorted(named - set(variable_names())) == []


def test_the_readme_points_to_the_settings_table() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "docs/operating.md" in readme


def test_limits_and_trusted_proxies_are_parsed_once() -> None:
    import ipaddress

    from bot.config import Rate

    settings = load_settings({"CHARGELINE_LOGIN_ADDRESS_LIMIT": "30/1h", "CHARGELINE_WEBCHAT_SESSION_LIMIT": "off",
                              "CHARGELINE_WEBCHAT_ADDRESS_LIMIT": "200/m",
                              "CHARGELINE_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16"}, dotenv=None)
    assert settings.login_address_limit == Rate(30, 3600.0)
    assert settings.webchat_session_limit is None
    assert settings.webchat_address_limit == Rate(200, 60.0)
    assert settings.trusted_proxies == (ipaddress.ip_network("10.0.0.5/32"), ipaddress.ip_network("10.1.0.0/16"))
    assert load_settings({"CHARGELINE_TRUSTED_PROXIES": "2"}, dotenv=None).trusted_proxies == 2
    defaults = load_settings({}, dotenv=None)
    assert (defaults.trusted_proxies, defaults.login_address_limit) == (0, Rate(20, 900.0))
    assert (defaults.webchat_session_limit, defaults.webchat_address_limit) == (Rate(15, 10.0), Rate(120, 60.0))
    with pytest.raises(ConfigError) as caught:
        load_settings({"CHARGELINE_WEBCHAT_ADDRESS_LIMIT": "lots", "CHARGELINE_LOGIN_ADDRESS_LIMIT": "0/1m",
                       "CHARGELINE_TRUSTED_PROXIES": "10.0.0.5, proxy.internal"}, dotenv=None)
    assert sorted(p.split(":")[0] for p in caught.value.problems) == [
        "CHARGELINE_LOGIN_ADDRESS_LIMIT", "CHARGELINE_TRUSTED_PROXIES", "CHARGELINE_WEBCHAT_ADDRESS_LIMIT"]
    assert any("'proxy.internal' is not an IP address" in p for p in caught.value.problems)
