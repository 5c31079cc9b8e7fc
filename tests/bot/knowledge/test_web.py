"""The knowledge pages: connector drawings and guide pages that SMS links point to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bot.fleet import import_fleet, parse_fleet_file
from bot.runtime import Runtime
from bot.web import create_app

FLEET = Path(__file__).parents[2] / "data" / "fleet_small.yml"


@pytest.fixture
def client(runtime: Runtime) -> FlaskClient:
    import_fleet(runtime.sessions, parse_fleet_file(FLEET))
    return create_app(runtime=runtime).test_client()


def test_each_connector_drawing_is_served_as_svg(client: FlaskClient) -> None:
    for name in ("ccs2", "chademo", "type2", "type1", "nacs", "ccs1"):
        response = client.get(f"/kb/images/{name}.svg")
        assert response.status_code == 200, name
        assert response.mimetype == "image/svg+xml"
        assert response.data.startswith(b"<svg") and b"<title" in response.data
        assert b"<script" not in response.data


def test_unknown_images_and_traversal_get_a_json_404(client: FlaskClient) -> None:
    for path in ("/kb/images/nope.svg", "/kb/images/ccs2.png", "/kb/images/CCS2.svg", "/kb/images/..%2Fweb.py",
                 "/kb/images/%2E%2E%2Floader.py", "/kb/images/../error_codes.yaml",
                 "/kb/images/..%5Cerror_codes.yaml", "/kb/images/%2Fetc%2Fpasswd"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["error"] == "Not Found"
        assert b"error_codes:" not in response.data and b"import" not in response.data and b"root:" not in response.data


def test_the_guide_page_shows_the_charger_s_connectors(client: FlaskClient) -> None:
    response = client.get("/kb/which-plug?charger=CP-1042")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html and 'name="viewport"' in html
    assert "<h1>Which plug fits my car?</h1>" in html
    assert "Charger: <strong>Station 12</strong> (connector 1: CCS2 up to 150 kW, connector 2: CHAdeMO up to 50 kW)" in html
    assert "Station 12 has a CCS2 plug (up to 150 kW) and a CHAdeMO plug (up to 50 kW)." in html
    assert "{" not in html.split("</style>")[1]
    assert '<a href="/chat?charger=CP-1042">Still stuck? Chat with us</a>' in html


def test_the_guide_page_shows_its_drawing_with_alt_text(client: FlaskClient) -> None:
    html = client.get("/kb/plug-ccs2").get_data(as_text=True)
    assert '<img src="/kb/images/ccs2.svg" alt="Drawing: The CCS2 plug"' in html
    assert "<li>The top part is the AC Type 2 plug; the two big pins below carry the DC power.</li>" in html


def test_an_unknown_charger_falls_back_to_the_general_guide(client: FlaskClient) -> None:
    html = client.get("/kb/cable-stuck?charger=CP-9999").get_data(as_text=True)
    assert "We could not find charger CP-9999; here is the general guide." in html
    assert "we can unlock the charger remotely" in html


def test_a_hostile_charger_value_is_refused_not_echoed(client: FlaskClient) -> None:
    response = client.get("/kb/safety?charger=<script>alert(1)</script>")
    assert response.status_code == 400
    assert b"<script>" not in response.data


def test_an_unknown_guide_gets_a_json_404(client: FlaskClient) -> None:
    response = client.get("/kb/no-such-guide")
    assert response.status_code == 404
    assert response.get_json() == {"error": "Not Found", "detail": "no guide named 'no-such-guide'"}


def test_the_index_lists_every_guide_and_keeps_the_charger(client: FlaskClient) -> None:
    html = client.get("/kb?charger=CP-1042").get_data(as_text=True)
    assert '<li><a href="/kb/cable-stuck?charger=CP-1042">The cable will not come out</a></li>' in html
    assert html.count("<li><a href=") >= 30


def test_the_index_groups_guides_by_topic_with_danger_first(client: FlaskClient) -> None:
    html = client.get("/kb").get_data(as_text=True)
    topics = re.findall(r"<h2>([^<]+)</h2>", html)
    assert topics == ["Danger or damage", "Starting a charge", "When the charger will not cooperate",
                      "Slow or stopped charging", "Plugs and cables", "Paying", "Bills and refunds"]
    assert '<section class="safety"><h2>Danger or damage</h2>' in html
    assert html.index("Danger at the charger") < html.index("Idle and overstay fees")


def test_which_plug_shows_every_plug_drawing_linking_to_its_page(client: FlaskClient) -> None:
    html = client.get("/kb/which-plug?charger=CP-1042").get_data(as_text=True)
    drawings = re.findall(r'<a href="/kb/(plug-[a-z0-9]+)\?charger=CP-1042"><img src="/kb/images/([a-z0-9]+)\.svg"',
                          html)
    assert sorted(drawings) == [("plug-ccs1", "ccs1"), ("plug-ccs2", "ccs2"), ("plug-chademo", "chademo"),
                                ("plug-nacs", "nacs"), ("plug-type1", "type1"), ("plug-type2", "type2")]
    assert 'alt="Drawing of the CCS2 plug"' in html
    assert "<h2>The plugs, drawn</h2>" not in client.get("/kb/plug-ccs2").get_data(as_text=True)
