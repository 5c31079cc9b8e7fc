"""End to end under load: drivers on SMS, voice and web chat at rising concurrency until p99 > 500 ms.

    .venv/bin/python bench/e2e_load.py [--chargers 2000] [--levels 50,100,200,400,800] [--seconds 30]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--json FILE]

The system as deployed (bench/_system.py): the bridge with a simulated fleet,
the web process under gunicorn, PostgreSQL when `--database-url` is given.
Each simulated driver pauses about a second between messages, as people do:
a third text by SMS and a third phone (bench/webhooks.py's drivers), a third
use the web chat. Levels rise until the p99 turn latency passes 500 ms (the
level that passes it is still reported). After each level, what was sent is
compared with what is stored in `conversation_messages`: a message sent but
not stored is lost, one stored twice is duplicated. Only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._system import postgres_schema_url, running_system
from bench.webhooks import START_SPREAD_S, Recorder, script, sms_driver, voice_driver

KNEE_MS = 500.0


async def chat_driver(http: aiohttp.ClientSession, base: str, number: int, label: str, stop: float,
                      rec: Recorder, sent: list[str]) -> None:
    """One web chat user: a session, a message about every second, each with its own message id."""
    session: str | None = None
    lines, n = script(label), 0
    await asyncio.sleep(random.uniform(0, START_SPREAD_S))  # like the SMS and voice drivers
    while time.monotonic() < stop:
        message_id = f"W{number:09d}-{n:06d}"
        body: dict[str, Any] = {"text": lines[n % len(lines)], "message_id": message_id}
        if session:
            body["session"] = session
        sent.append(message_id)
        started = time.perf_counter()
        try:
            async with http.post(f"{base}/api/chat", json=body) as response:
                status, text = response.status, await response.text()
        except (TimeoutError, aiohttp.ClientError) as exc:
            rec.error("webchat", 0, repr(exc))
        else:
            took = time.perf_counter() - started
            data = json.loads(text) if status == 200 else {}
            if status == 200 and data.get("replies"):
                rec.latencies["webchat"].append(took)
                session = data.get("session", session)
            else:
                rec.error("webchat", status, text)
        n += 1
        await asyncio.sleep(random.uniform(0.8, 1.2))


async def run_level(base: str, labels: list[str], concurrency: int, seconds: float) -> tuple[Recorder, list[str]]:
    """Run `concurrency` drivers for `seconds`; the recorder and the web chat message ids sent."""
    rec = Recorder()
    rec.latencies["webchat"], rec.errors["webchat"] = [], 0
    sent: list[str] = []
    stop = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency + 10)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:
        drivers = []
        for n in range(concurrency):
            label, number = labels[(n * 37) % len(labels)], concurrency * 100_000 + n
            if n % 3 == 0:
                drivers.append(sms_driver(http, base, number, label, stop, rec))
            elif n % 3 == 1:
                drivers.append(voice_driver(http, base, number, label, stop, rec))
            else:
                drivers.append(chat_driver(http, base, number, label, stop, rec, sent))
        await asyncio.gather(*drivers)
    return rec, sent


def stored_counts(database_url: str, concurrency: int, chat_ids: list[str]) -> dict[str, dict[str, int]]:
    """Driver messages of this level as stored: rows, and distinct deliveries, per channel."""
    from sqlalchemy import create_engine, func, select

    from bot.conversation.models import Conversation, ConversationMessage

    low, high = concurrency * 100_000, concurrency * 100_000 + concurrency
    phones = {"sms": [f"+4915{n:09d}" for n in range(low, high)], "voice": [f"+4916{n:09d}" for n in range(low, high)]}
    engine = create_engine(database_url)
    out = {}
    try:
        with engine.connect() as db:
            for channel, contacts in phones.items():
                query = (select(func.count(), func.count(func.distinct(ConversationMessage.delivery_id)))
                         .join(Conversation, Conversation.id == ConversationMessage.conversation_id)
                         .where(ConversationMessage.direction == "in", ConversationMessage.channel == channel,
                                ConversationMessage.text != "", Conversation.contact.in_(contacts)))
                rows, distinct = db.execute(query).one()
                out[channel] = {"stored": rows, "distinct": distinct}
            rows = distinct = 0
            for start in range(0, len(chat_ids), 1000):
                chunk = chat_ids[start:start + 1000]
                r, d = db.execute(select(func.count(), func.count(func.distinct(ConversationMessage.delivery_id)))
                                  .where(ConversationMessage.channel == "webchat",
                                         ConversationMessage.delivery_id.in_(chunk))).one()
                rows, distinct = rows + r, distinct + d
            out["webchat"] = {"stored": rows, "distinct": distinct}
    finally:
        engine.dispose()
    return out


def level_result(rec: Recorder, sent_chat: list[str], stored: dict[str, dict[str, int]],
                 seconds: float) -> dict[str, Any]:
    """Latency per channel and overall, turns/s, and lost/duplicated messages."""
    result: dict[str, Any] = {"channels": rec.summary(seconds)}
    everything = sorted(v for values in rec.latencies.values() for v in values) or [float("nan")]
    result["p99_ms"] = round(everything[min(len(everything) - 1, int(0.99 * len(everything)))] * 1000, 1)
    result["turns_per_s"] = round(sum(len(v) for v in rec.latencies.values()) / seconds, 1)
    for channel in ("sms", "voice", "webchat"):
        # every attempt was sent; a 200 or an error both mean the web process may have stored it
        sent = len(sent_chat) if channel == "webchat" else len(rec.latencies[channel]) + rec.errors[channel]
        counts = stored[channel]
        result["channels"][channel].update(sent=sent, stored=counts["stored"],
                                           lost=max(0, sent - counts["distinct"]),
                                           duplicated=counts["stored"] - counts["distinct"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chargers", type=int, default=2000)
    parser.add_argument("--levels", default="50,100,200,400,800", help="concurrent drivers, rising, comma-separated")
    parser.add_argument("--seconds", type=float, default=30.0, help="measuring time per level")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (a fresh schema is made); default SQLite")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    database_url = postgres_schema_url(args.database_url) if args.database_url else None
    results: dict[str, Any] = {"chargers": args.chargers, "database": "postgresql" if database_url else "sqlite",
                               "web": "gunicorn, 2 workers x 8 threads", "levels": {}}
    with running_system(chargers=args.chargers, database_url=database_url) as system:
        asyncio.run(run_level(system.web_url, system.labels, 9, 5.0))  # warm-up: models loaded in each worker
        for level in (int(x) for x in args.levels.split(",")):
            print(f"{level} concurrent drivers for {args.seconds:.0f} s...", flush=True)
            rec, chat_ids = asyncio.run(run_level(system.web_url, system.labels, level, args.seconds))
            time.sleep(2)  # let in-flight turns finish writing before counting
            stored = stored_counts(system.env["CHARGELINE_DATABASE_URL"], level, chat_ids)
            results["levels"][level] = level_result(rec, chat_ids, stored, args.seconds)
            r = results["levels"][level]
            print(f"  p99 {r['p99_ms']} ms, {r['turns_per_s']} turns/s", flush=True)
            if r["p99_ms"] > KNEE_MS:
                break
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def print_table(results: dict[str, Any]) -> None:
    print(f"\n{'drivers':>7} {'channel':<8} {'turns':>6} {'turns/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'errors':>6} {'sent':>6} {'stored':>6} {'lost':>5} {'dup':>4}")
    for level, r in results["levels"].items():
        for channel, c in r["channels"].items():
            print(f"{level:>7} {channel:<8} {c['turns']:>6} {c['turns_per_s']:>8} {c['p50_ms']:>7} {c['p99_ms']:>7} "
                  f"{c['errors']:>6} {c['sent']:>6} {c['stored']:>6} {c['lost']:>5} {c['duplicated']:>4}")
        print(f"{level:>7} {'all':<8} {'':>6} {r['turns_per_s']:>8} {'':>7} {r['p99_ms']:>7}")


if __name__ == "__main__":
    main()
