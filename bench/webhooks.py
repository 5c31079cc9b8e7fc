"""Latency of Twilio SMS and voice turns with the web process under gunicorn and a live fleet.

    .venv/bin/python bench/webhooks.py [--chargers 1000] [--levels 50,200] [--seconds 30]
                                       [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
                                       [--start-spread 2] [--json results.json]

Simulated drivers (each its own phone number) send signed webhooks the way
Twilio does and pause about a second between messages (a stress pace: people
take several seconds to read, type or speak); half text by SMS, half talk on
the phone (turns follow the Gather action URL). A level's conversations start
at random moments over its first 2 s (`--start-spread 0` starts them all at
the same instant).
Messages mix questions that read a charger's live state with knowledge
questions. A voice turn held past the webhook budget follows its Redirect (the
latency counted is the whole turn), and each call ends with a status callback.
Only 127.0.0.1 is contacted; each level runs for a bounded time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import aiohttp
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._system import TWILIO_TOKEN, postgres_schema_url, running_system  # noqa: E402
from bot.channels.web import SLOW_DOWN  # noqa: E402

VALIDATOR = RequestValidator(TWILIO_TOKEN)
SLOW_DOWN_START = SLOW_DOWN.split(".")[0]
START_SPREAD_S = 2.0  # conversations begin at random moments, not all in the same millisecond (--start-spread)


def script(label: str) -> list[str]:
    return [f"is {label} working right now", "how do I pay here", f"{label} won't start",
            "which plug fits a nissan leaf", "thanks bye"]


class Recorder:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {"sms": [], "voice": []}
        self.errors: dict[str, int] = {"sms": 0, "voice": 0}
        self.held: dict[str, int] = {"sms": 0, "voice": 0}  # turns that outlasted the budget (hold / "checking")
        self.samples: list[str] = []
        self.by_line: dict[str, list[float]] = {}  # latency by what the driver said (label left out)

    def turn(self, channel: str, said: str, took: float) -> None:
        self.latencies[channel].append(took)
        self.by_line.setdefault(said, []).append(took)

    def error(self, channel: str, status: int, body: str) -> None:
        self.errors[channel] += 1
        if len(self.samples) < 5:
            self.samples.append(f"{channel} {status}: {body[:300]}")

    def summary(self, seconds: float) -> dict[str, Any]:
        out = {}
        for channel, values in self.latencies.items():
            values = sorted(values) or [float("nan")]
            pick = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000  # noqa: E731
            out[channel] = {"turns": len(self.latencies[channel]), "turns_per_s": round(len(values) / seconds, 1),
                            "p50_ms": round(pick(0.50), 1), "p95_ms": round(pick(0.95), 1),
                            "p99_ms": round(pick(0.99), 1), "max_ms": round(values[-1] * 1000, 1),
                            "mean_ms": round(statistics.fmean(values) * 1000, 1), "errors": self.errors[channel],
                            "held": self.held.get(channel, 0)}
        return out

    def by_message(self) -> dict[str, Any]:
        """Latency by what the driver said, both channels together."""
        return {said: {"turns": len(v), "p50_ms": round(sorted(v)[len(v) // 2] * 1000, 1),
                       "p99_ms": round(sorted(v)[min(len(v) - 1, int(0.99 * len(v)))] * 1000, 1)}
                for said, v in sorted(self.by_line.items())}


async def signed_post(http: aiohttp.ClientSession, url: str, params: dict[str, str]) -> tuple[int, str, float]:
    headers = {"X-Twilio-Signature": VALIDATOR.compute_signature(url, params)}
    started = time.perf_counter()
    try:
        async with http.post(url, data=params, headers=headers) as response:
            body = await response.text()
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:  # counted as an error, not a crashed run
        return 0, repr(exc), time.perf_counter() - started
    return response.status, body, time.perf_counter() - started


async def sms_driver(http: aiohttp.ClientSession, base: str, number: int, label: str, stop: float,
                     rec: Recorder, start_spread: float = START_SPREAD_S) -> None:
    phone, n = f"+4915{number:09d}", 0
    lines = script(label)
    await asyncio.sleep(random.uniform(0, start_spread))
    while time.monotonic() < stop:
        params = {"MessageSid": f"SM{number:08d}{n:024d}", "From": phone, "To": "+4930111222",
                  "Body": lines[n % len(lines)], "NumMedia": "0"}
        status, body, took = await signed_post(http, f"{base}/twilio/sms", params)
        if status == 200 and "<Message>" in body and SLOW_DOWN_START not in body:  # a rate-limit answer is no turn
            rec.turn("sms", lines[n % len(lines)].replace(label, "<charger>"), took)
            rec.held["sms"] += "I'll text you the result" in body
        else:
            rec.error("sms", status, body)
        n += 1
        await asyncio.sleep(random.uniform(0.8, 1.2))


async def voice_driver(http: aiohttp.ClientSession, base: str, number: int, label: str, stop: float,
                       rec: Recorder, start_spread: float = START_SPREAD_S) -> None:
    phone, call = f"+4916{number:09d}", 0
    lines = script(label)
    await asyncio.sleep(random.uniform(0, start_spread))
    while time.monotonic() < stop:
        call_sid = f"CA{number:08d}{call:024d}"
        params = {"CallSid": call_sid, "From": phone, "To": "+4930111222", "CallStatus": "ringing"}
        status, body, _ = await signed_post(http, f"{base}/twilio/voice", params)
        action = _next_step(body)[0] if status == 200 else None
        turn = 0
        while action and time.monotonic() < stop:
            await asyncio.sleep(random.uniform(0.8, 1.2))
            params = {"CallSid": call_sid, "From": phone, "To": "+4930111222", "CallStatus": "in-progress",
                      "SpeechResult": lines[turn % len(lines)], "Confidence": "0.9"}
            status, body, took = await signed_post(http, action, params)
            action, redirect = _next_step(body) if status == 200 else (None, None)
            while redirect:  # a turn that outlasted the budget: Twilio pauses, then follows the Redirect
                rec.held["voice"] += 1
                status, body, more = await signed_post(http, redirect, {k: v for k, v in params.items()
                                                                       if k not in ("SpeechResult", "Confidence")})
                took += more
                action, redirect = _next_step(body) if status == 200 else (None, None)
            if status == 200 and body.startswith("<?xml"):
                rec.turn("voice", lines[turn % len(lines)].replace(label, "<charger>"), took)
            else:
                rec.error("voice", status, body)
            turn += 1
        await signed_post(http, f"{base}/twilio/voice/status",
                          {"CallSid": call_sid, "From": phone, "To": "+4930111222", "CallStatus": "completed"})
        call += 1


def _next_step(twiml: str) -> tuple[str | None, str | None]:
    """The Gather action to answer next, and the Redirect to follow first (a held turn)."""
    try:
        root = ET.fromstring(twiml)
    except ET.ParseError:
        return None, None
    gather, redirect = root.find("Gather"), root.find("Redirect")
    return (gather.get("action") if gather is not None else None,
            redirect.text if redirect is not None else None)


async def run_level(base: str, labels: list[str], concurrency: int, seconds: float,
                    start_spread: float = START_SPREAD_S) -> dict[str, Any]:
    rec = Recorder()
    stop = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency + 10)
    timeout = aiohttp.ClientTimeout(total=60)  # Twilio waits 15 s; a slower answer is counted, not dropped
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        drivers = []
        for n in range(concurrency):
            label = labels[(n * 37) % len(labels)]
            make = sms_driver if n % 2 == 0 else voice_driver
            drivers.append(make(http, base, concurrency * 100_000 + n, label, stop, rec, start_spread))
        await asyncio.gather(*drivers)
    for sample in rec.samples:
        print("  error sample:", sample, flush=True)
    return {**rec.summary(seconds), "by_message": rec.by_message()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chargers", type=int, default=1000)
    parser.add_argument("--levels", default="50,200", help="concurrent conversations, comma-separated")
    parser.add_argument("--seconds", type=float, default=30.0, help="measuring time per level")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (a fresh schema is made); default SQLite")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--start-spread", type=float, default=START_SPREAD_S,
                        help="seconds over which the drivers of a level start (0: all at the same instant)")
    args = parser.parse_args()
    database_url = postgres_schema_url(args.database_url) if args.database_url else None
    results: dict[str, Any] = {"chargers": args.chargers, "database": "postgresql" if database_url else "sqlite",
                               "web": "gunicorn, 2 workers x 8 threads", "levels": {}}
    with running_system(chargers=args.chargers, database_url=database_url) as system:
        asyncio.run(run_level(system.web_url, system.labels, 10, 5.0))  # warm-up: models loaded in each worker
        for level in (int(x) for x in args.levels.split(",")):
            print(f"measuring {level} concurrent conversations for {args.seconds:.0f} s...", flush=True)
            results["levels"][level] = asyncio.run(run_level(system.web_url, system.labels, level, args.seconds,
                                                             args.start_spread))
            print(json.dumps(results["levels"][level]), flush=True)
    print(f"\n{'conv':>5} {'channel':<6} {'turns':>6} {'turns/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'max ms':>8} {'errors':>6} {'held':>5}")
    for level, channels in results["levels"].items():
        for channel, r in channels.items():
            if channel == "by_message":
                continue
            print(f"{level:>5} {channel:<6} {r['turns']:>6} {r['turns_per_s']:>8} {r['p50_ms']:>8} {r['p95_ms']:>8} "
                  f"{r['p99_ms']:>8} {r['max_ms']:>8} {r['errors']:>6} {r['held']:>5}")
    for level, channels in results["levels"].items():
        print(f"\n{level} concurrent, by message (both channels):")
        for said, r in channels["by_message"].items():
            print(f"  {said:<34} {r['turns']:>6} turns  p50 {r['p50_ms']:>7} ms  p99 {r['p99_ms']:>7} ms")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
