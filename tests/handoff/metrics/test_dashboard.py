"""`GET /agent/dashboard`: the same figures as the report, for people who are allowed to see them."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.runtime import Runtime
from bot.web import create_app
from handoff.clock import utcnow
from tests.support.engine import RecordingEngine


def _week(rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    day = utcnow() - timedelta(days=2)
    rows.conversation(day, messages=[("in", "how_to_pay", 0)])
    rows.conversation(day + timedelta(hours=1), contact="+4915550000002", charger_id="CP-A1",
                      messages=[("in", "start_failure", 0)])
    second = rows.conversation(day + timedelta(hours=2), contact="+4915550000003",
                               messages=[("in", "cable_stuck", 0)])
    rows.ticket(day + timedelta(hours=2), conversation_id=second, resolved=day + timedelta(hours=3),
                verdict="correct")
    rows.conversation(day - timedelta(days=20), contact="+4915550000009")  # outside every period
    session.commit()


def _tile(html: str, key: str) -> str:
    match = re.search(rf'data-metric="{key}"><div>[^<]*</div>\s*<div class="value">([^<]*)</div>'
                      rf'<div class="detail">([^<]*)</div>', html)
    assert match, f"no {key} tile"
    return f"{match.group(1)} | {match.group(2)}"


def test_dashboard_shows_the_week_in_figures_and_charts(fleet: Runtime, rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    _week(rows, session)
    client = create_app(runtime=fleet, engine=RecordingEngine()).test_client()

    response = client.get("/agent/dashboard", headers={"Authorization": "Bearer test-token"})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _tile(html, "contacts") == "3 | conversations"
    assert _tile(html, "deflection") == "67% | 2 of 3"
    # the cable ticket was resolved an hour after its conversation ended: follow-up work, not first contact
    assert _tile(html, "fcr") == "67% | 2 of 3"
    assert _tile(html, "routing") == "100% | 1 of 1"
    assert html.count("<svg") == 5 and "Contacts by hour of the day (UTC)" in html
    outcomes = html[html.index('data-metric="outcomes"'):]
    assert re.search(r"<td>SMS</td>\s*<td>-</td>\s*<td>open 3</td>", outcomes)


def test_dashboard_filters_by_site_type(fleet: Runtime, rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    _week(rows, session)
    client = create_app(runtime=fleet, engine=RecordingEngine()).test_client()

    html = client.get("/agent/dashboard?site_type=highway&days=30&channel=bogus",
                      headers={"Authorization": "Bearer test-token"}).get_data(as_text=True)

    assert _tile(html, "contacts") == "1 | conversations"
    assert html.split('class="scope"')[1].split("</p>")[0].endswith("· Highway sites")


def test_dashboard_is_not_public(fleet: Runtime) -> None:
    client = create_app(runtime=fleet, engine=RecordingEngine()).test_client()
    assert client.get("/agent/dashboard").status_code == 401
    assert client.get("/agent/dashboard", headers={"Authorization": "Bearer wrong"}).status_code == 401
