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
