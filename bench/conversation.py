"""Turns per second and latency of one conversation turn (NLU + live state read + reply), in process.

    .venv/bin/python bench/conversation.py [--chargers 1000] [--conversations 200] [--think 10,2,0]
                                           [--seconds 30] [--database-url postgresql+psycopg://...]

The real bridge and a simulated fleet run as child processes (as deployed);
the conversation engine runs here, built by `bot.conversation.factory.build_engine`
with the real NLU, so a turn's time is the engine's own: no HTTP, no channel
rendering. Each simulated driver is a thread with its own phone number that
sends a message, waits for the replies, pauses `think` seconds (uniform
0.5x-1.5x) and sends the next; `--think 0` sends back-to-back (saturation:
turns/s is then the engine's capacity and latency is mostly queueing).
Messages alternate between questions that read a charger's live state (won't
start, is it working, error on the screen) and knowledge questions (paying,
prices, plugs). On PostgreSQL a fresh schema is made for every run; only
127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._system import postgres_schema_url, running_system  # noqa: E402

STATE = "state"
KNOWLEDGE = "knowledge"


def script(label: str) -> list[tuple[str, str]]:
    """One driver's messages: live-state questions interleaved with knowledge questions."""
    return [(STATE, f"{label} won't start"), (KNOWLEDGE, "how do I pay here"),
            (STATE, f"is {label} working right now"), (KNOWLEDGE, "which plug fits a nissan leaf"),
            (STATE, f"the screen on {label} shows an error"), (KNOWLEDGE, "how much does charging cost")]


@dataclass
class Recorder:
    """Latencies per kind of turn, failures, handoffs; shared by the driver threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {STATE: [], KNOWLEDGE: []})
    errors: int = 0
    handoffs: int = 0
    samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, took: float, *, failed: bool, handoff: bool, sample: str = "") -> None:
        with self.lock:
            self.latencies[kind].append(took)
            self.errors += failed
            self.handoffs += handoff
            if failed and len(self.samples) < 5:
                self.samples.append(sample)

    def count(self) -> int:
        return sum(len(v) for v in self.latencies.values())


def _pick(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")


def summary(rec: Recorder, seconds: float) -> dict[str, Any]:
    """turns, turns/s and p50/p95/p99/max in ms, overall and per kind of turn."""
    both = sorted(rec.latencies[STATE] + rec.latencies[KNOWLEDGE])
    state, knowledge = sorted(rec.latencies[STATE]), sorted(rec.latencies[KNOWLEDGE])
    return {"turns": len(both), "turns_per_s": round(len(both) / seconds, 1),
            "p50_ms": round(_pick(both, 0.50), 1), "p95_ms": round(_pick(both, 0.95), 1),
            "p99_ms": round(_pick(both, 0.99), 1), "max_ms": round(both[-1] * 1000, 1) if both else None,
            "mean_ms": round(statistics.fmean(both) * 1000, 1) if both else None,
            "state_p50_ms": round(_pick(state, 0.50), 1), "state_p99_ms": round(_pick(state, 0.99), 1),
            "knowledge_p50_ms": round(_pick(knowledge, 0.50), 1),
            "knowledge_p99_ms": round(_pick(knowledge, 0.99), 1),
            "errors": rec.errors, "handoffs": rec.handoffs}


@contextmanager
def running_fleet(*, chargers: int, database_url: str | None, model_dir: Path | None,
                  log: Any = print) -> Iterator[tuple[dict[str, str], list[str]]]:
    """A fresh database with the fleet, the bridge and the simulated chargers; yields the env and the labels."""
    with running_system(chargers=chargers, database_url=database_url, model_dir=model_dir, log=log,
                        web=False) as system:
        yield system.env, system.labels


def driver(engine: Any, number: int, labels: list[str], think: float, stop: float, rec: Recorder) -> None:
    """One driver: a new conversation at another charger every script round, a pause between messages.

    Another charger each round: the same few chargers reported as failing round after round would (rightly)
    be escalated as repeated failures, and the run would measure ticketing instead of turns.
    """
    from bot.apology import failed
    from bot.messages import InboundMessage

    lines, n = script(labels[(number * 37) % len(labels)]), 0
    rng = random.Random(number)
    if think > 0:  # drivers arrive spread over one pause, not all in the same millisecond
        time.sleep(rng.uniform(0, think))
    while time.monotonic() < stop:
        if n and n % len(lines) == 0:
            lines = script(labels[(number * 37 + n // len(lines) * 211) % len(labels)])
        kind, text = lines[n % len(lines)]
        contact = f"+4915{number:06d}{n // len(lines):03d}"
        message = InboundMessage(channel="sms", contact=contact, text=text, delivery_id=f"b{number}-{n}",
                                 received_at=datetime.now(timezone.utc))
        started = time.perf_counter()
        result = engine.handle(message)
        took = time.perf_counter() - started
        gave_up = not result.conversation_id or failed(result) or not result.replies
        rec.note(kind, took, failed=gave_up, handoff=any(r.handoff for r in result.replies),
                 sample=f"{text!r} -> {[r.text[:80] for r in result.replies]}")
        n += 1
        if think > 0:
            time.sleep(max(0.0, min(rng.uniform(0.5 * think, 1.5 * think), stop - time.monotonic())))


def run_phase(engine: Any, labels: list[str], conversations: int, think: float, seconds: float,
              first_number: int, log: Any = print) -> dict[str, Any]:
    """`conversations` drivers for `seconds`; progress every 5 s."""
    rec = Recorder()
    stop = time.monotonic() + seconds
    threads = [threading.Thread(target=driver, daemon=True,
                                args=(engine, first_number + n, labels, think, stop, rec))
               for n in range(conversations)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    last = 0
    while any(t.is_alive() for t in threads):
        time.sleep(0.5)
        elapsed = time.monotonic() - started
        if elapsed - last >= 5:
            last = int(elapsed)
            log(f"  {elapsed:5.0f} s: {rec.count()} turns, {rec.count() / elapsed:.1f}/s, errors {rec.errors}")
    for sample in rec.samples:
        log(f"  error sample: {sample}")
    # turns still running at the deadline finish (and count); the rate is over the whole run
    return summary(rec, max(seconds, time.monotonic() - started))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chargers", type=int, default=1000, help="simulated chargers connected (default 1000)")
    parser.add_argument("--conversations", type=int, default=200, help="concurrent conversations (default 200)")
    parser.add_argument("--think", default="10,2,0",
                        help="seconds a driver pauses between messages, one phase per value (default 10,2,0: "
                             "reading and typing, a hurried driver, back-to-back)")
    parser.add_argument("--seconds", type=float, default=30.0, help="measuring time per phase (default 30)")
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL URL (a fresh schema is made); default a SQLite file")
    parser.add_argument("--model-dir", type=Path, default=None,
                        help="where the NLU model is kept (trained there if missing; default a temp folder)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    thinks = [float(x) for x in args.think.split(",") if x.strip()]
    database_url = postgres_schema_url(args.database_url) if args.database_url else None
    database = "postgresql" if database_url else "sqlite"
    log = lambda line: print(line, flush=True)  # noqa: E731
    results: dict[str, Any] = {"database": database, "chargers": args.chargers,
                               "conversations": args.conversations, "phases": []}
    with running_fleet(chargers=args.chargers, database_url=database_url, model_dir=args.model_dir,
                       log=log) as (env, labels):
        from bot.config import load_settings
        from bot.conversation.factory import build_engine
        from bot.runtime import start_runtime

        runtime = start_runtime(load_settings(env, dotenv=None), announce=False)
        log("loading (or training) the NLU model...")
        engine = build_engine(runtime, bridge_timeout=30)
        log("warming up: 10 conversations for 5 s")
        run_phase(engine, labels, 10, 0.2, 5.0, 900_000, log=lambda _line: None)
        for n, think in enumerate(thinks):
            log(f"measuring {args.conversations} conversations, think {think:g} s, for {args.seconds:.0f} s...")
            phase = run_phase(engine, labels, args.conversations, think, args.seconds, (n + 1) * 100_000, log=log)
            results["phases"].append({"think_s": think, **phase})
        runtime.close()
    print(f"\n{database}: {args.chargers} chargers connected, {args.conversations} concurrent conversations, "
          f"{os.cpu_count()} cores")
    print(f"{'think s':>7} {'turns':>6} {'turns/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} "
          f"{'state p99':>9} {'know p99':>8} {'handoffs':>8} {'errors':>6}")
    for r in results["phases"]:
        print(f"{r['think_s']:>7g} {r['turns']:>6} {r['turns_per_s']:>8} {r['p50_ms']:>7} {r['p95_ms']:>7} "
              f"{r['p99_ms']:>7} {r['max_ms']:>7} {r['state_p99_ms']:>9} {r['knowledge_p99_ms']:>8} "
              f"{r['handoffs']:>8} {r['errors']:>6}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
