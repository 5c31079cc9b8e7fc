"""`GET /metrics`: Prometheus text with counts from the database and this process's webhook latency."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.runtime import Runtime
from bot.web import create_app
from handoff.metrics_web import LatencyHistogram
from ocpp_bridge.models import ChargerState
from tests.support.engine import RecordingEngine

NOW = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)


def _samples(text: str) -> dict[str, float]:
    samples = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ .+$", line), line
            continue
        name, _, value = line.rpartition(" ")
        samples[name] = float(value)
    return samples


def test_metrics_count_from_the_database(fleet: Runtime, rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    rows.conversation(NOW, channel="sms", messages=[("in", "greet", 0), ("out", None, 1), ("in", "how_to_pay", 5)])
    rows.conversation(NOW, channel="webchat", contact="s-1", messages=[("in", "start_failure", 0)])
    rows.ticket(NOW, tier="tier2")
    rows.ticket(NOW - timedelta(days=1), tier="tier2", resolved=NOW)
    rows.command(NOW, action="Reset", status="Accepted", verified=True)
    rows.command(NOW, action="Reset", status="Refused", verified=None)
    session.add_all([ChargerState(charger_id="CP-B1", online=True), ChargerState(charger_id="CP-B2", online=False)])
    session.commit()
    client = create_app(runtime=fleet, engine=RecordingEngine()).test_client()

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.content_type == "text/plain; version=0.0.4; charset=utf-8"
    samples = _samples(response.get_data(as_text=True))
    assert samples['chargeline_conversations_total{channel="sms"}'] == 1
    assert samples['chargeline_conversations_total{channel="webchat"}'] == 1
    assert samples['chargeline_turns_total{channel="sms"}'] == 2
    assert samples['chargeline_handoffs_total{tier="tier2"}'] == 2
    assert samples['chargeline_tickets_open{tier="tier2"}'] == 1
    assert samples['chargeline_remote_actions_total{action="Reset",result="Accepted",verified="true"}'] == 1
    assert samples['chargeline_remote_actions_total{action="Reset",result="Refused",verified="false"}'] == 1
    assert samples["chargeline_chargers_connected"] == 1
    assert samples["chargeline_database_up"] == 1


def test_chat_requests_feed_the_latency_histogram(fleet: Runtime) -> None:
    client = create_app(runtime=fleet, engine=RecordingEngine()).test_client()
    assert client.post("/api/chat", json={"text": "hello"}).status_code == 200
    assert client.post("/api/chat", data="not json").status_code == 400
    client.get("/healthz")  # not a webhook: not timed

    samples = _samples(client.get("/metrics").get_data(as_text=True))

    counts = {k: v for k, v in samples.items() if k.startswith("chargeline_webhook_duration_seconds_count")}
    assert len(counts) == 1
    [(labels, count)] = counts.items()
    assert 'endpoint="/api/chat"' in labels and count == 2
    inf = next(v for k, v in samples.items() if 'le="+Inf"' in k)
    assert inf == 2


def test_histogram_buckets_are_cumulative() -> None:
    histogram = LatencyHistogram(buckets=(0.1, 1.0))
    for seconds in (0.05, 0.5, 0.7, 3.0):
        histogram.observe("/twilio/sms", seconds)
    lines = histogram.render("h")
    values = [line.rsplit(" ", 1)[1] for line in lines]
    assert [line.split("le=")[1].split("}")[0] for line in lines[:3]] == ['"0.1"', '"1.0"', '"+Inf"']
    assert values[:3] == ["1", "3", "4"]
    assert lines[3].startswith("h_sum{") and float(values[3]) == 4.25
    assert lines[4].startswith("h_count{") and values[4] == "4"
