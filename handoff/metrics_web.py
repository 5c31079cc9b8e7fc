"""`GET /metrics` in Prometheus text format.

Counts of conversations, turns, handoffs (tickets), remote actions and
connected chargers are read from the database at each scrape, so they never
drift between processes or across restarts. Webhook latency is the one figure
kept in memory: a small histogram per process, fed by an `after_request` hook
on the webhook and chat endpoints (behind gunicorn each worker answers with
its own; sum them in Prometheus over the `pid` label).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable

from flask import Flask, Response, g, request
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.conversation.records import conversations_by_channel, turns_by_channel
from handoff.models import OPEN_STATUSES, Ticket
from ocpp_bridge.models import ChargerState, CommandAudit

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
TIMED_PREFIXES = ("/twilio/", "/telegram/", "/api/chat")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
log = logging.getLogger(__name__)


class LatencyHistogram:
    """Request durations per endpoint, cumulative buckets as Prometheus wants them."""

    def __init__(self, buckets: Iterable[float] = BUCKETS) -> None:
        self.buckets = tuple(sorted(buckets))
        self._lock = threading.Lock()
        self._counts: dict[str, list[int]] = {}
        self._sums: dict[str, float] = {}

    def observe(self, endpoint: str, seconds: float) -> None:
        """Count one request that took `seconds`."""
        with self._lock:
            counts = self._counts.setdefault(endpoint, [0] * (len(self.buckets) + 1))
            index = next((i for i, bound in enumerate(self.buckets) if seconds <= bound), len(self.buckets))
            counts[index] += 1
            self._sums[endpoint] = self._sums.get(endpoint, 0.0) + seconds

    def render(self, name: str) -> list[str]:
        """The histogram's sample lines."""
        pid = os.getpid()
        lines = []
        with self._lock:
            for endpoint in sorted(self._counts):
                labels = f'endpoint="{_escape(endpoint)}",pid="{pid}"'
                running = 0
                for bound, n in zip((*self.buckets, float("inf")), self._counts[endpoint]):
                    running += n
                    le = "+Inf" if bound == float("inf") else repr(bound)
                    lines.append(f'{name}_bucket{{{labels},le="{le}"}} {running}')
                lines.append(f"{name}_sum{{{labels}}} {self._sums[endpoint]:.6f}")
                lines.append(f"{name}_count{{{labels}}} {running}")
        return lines


def _escape(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _family(name: str, kind: str, help_text: str, samples: Iterable[tuple[dict[str, object], float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
        lines.append(f"{name}{{{text}}} {value:g}" if text else f"{name} {value:g}")
    return lines


def database_families(session: Session) -> list[str]:
    """Every counter and gauge that is read from the database."""
    def grouped(*columns, where=None):  # type: ignore[no-untyped-def]
        query = select(*columns, func.count()).group_by(*columns)
        if where is not None:
            query = query.where(where)
        return session.execute(query).all()

    online = session.scalar(select(func.count()).select_from(ChargerState).where(ChargerState.online.is_(True))) or 0
    known = session.scalar(select(func.count()).select_from(ChargerState)) or 0
    return [
        *_family("chargeline_conversations_total", "counter", "Conversations started, by channel.",
                 (({"channel": c}, n) for c, n in conversations_by_channel(session))),
        *_family("chargeline_turns_total", "counter", "Driver messages processed, by channel.",
                 (({"channel": c}, n) for c, n in turns_by_channel(session))),
        *_family("chargeline_handoffs_total", "counter", "Tickets opened for people, by tier.",
                 (({"tier": t}, n) for t, n in grouped(Ticket.tier))),
        *_family("chargeline_tickets_open", "gauge", "Tickets waiting for or with a person, by tier.",
                 (({"tier": t}, n) for t, n in grouped(Ticket.tier, where=Ticket.status.in_(OPEN_STATUSES)))),
        *_family("chargeline_remote_actions_total", "counter",
                 "Remote commands asked of the bridge, by action and result (the charger's answer, Refused, "
                 "Timeout, Error) and whether the result was verified.",
                 (({"action": a, "result": r, "verified": str(bool(v)).lower()}, n)
                  for a, r, v, n in grouped(CommandAudit.action, CommandAudit.status, CommandAudit.verified))),
        *_family("chargeline_chargers_connected", "gauge", "Chargers connected to the bridge now.", [({}, online)]),
        *_family("chargeline_chargers_known", "gauge", "Chargers that have ever connected.", [({}, known)]),
    ]


def register(app: Flask) -> None:
    """Serve /metrics and time the webhook and chat endpoints."""
    histogram = LatencyHistogram()
    app.extensions["chargeline.latency"] = histogram

    @app.before_request
    def _start_timer() -> None:
        if request.path.startswith(TIMED_PREFIXES):
            g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        if started is not None:
            endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
            histogram.observe(endpoint, time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        """Prometheus text exposition: database-derived counters and this process's latency histogram."""
        try:
            with app.extensions["chargeline"].sessions() as session:
                lines = database_families(session)
            up = 1
        except SQLAlchemyError:  # still answer: the scrape itself tells the operator the database is gone
            log.warning("metrics: the database did not answer", exc_info=True)
            lines, up = [], 0
        lines += _family("chargeline_database_up", "gauge", "Whether this process reached the database.", [({}, up)])
        lines += [("# HELP chargeline_webhook_duration_seconds Time to answer a webhook or chat request "
                  "(this process)."), "# TYPE chargeline_webhook_duration_seconds histogram"]
        lines += histogram.render("chargeline_webhook_duration_seconds")
        return Response("\n".join(lines) + "\n", content_type=CONTENT_TYPE)
