"""Load worker for bench/ocpp_bridge.py: a slice of simulated chargers in this process.

Protocol with the parent (one JSON object per line): the worker prints
{"connected", "failed", "connect_s"} once its chargers have booted, then reads
{"rate", "seconds"} from stdin, drives that many requests per second (Heartbeat
and StatusNotification from random chargers, open loop) and prints the
latencies; it disconnects when stdin says "stop" or closes.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ocpp_bridge.simulator import SimulatedCharger, SimulatedFleet

BATCH = 100  # chargers connecting at once: the server's accept backlog is 100


def emit(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


async def read_line() -> str:
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def connect_all(fleet: SimulatedFleet, timeout: float) -> tuple[int, int, float]:
    """Connect in batches so the bridge's accept queue never overflows; return (up, failed, seconds)."""
    started = time.monotonic()
    chargers = list(fleet)
    for i in range(0, len(chargers), BATCH):
        batch = chargers[i:i + BATCH]
        for cp in batch:
            cp.start()
        left = max(1.0, timeout - (time.monotonic() - started))
        await asyncio.gather(*(cp.wait_connected(min(left, 60)) for cp in batch), return_exceptions=True)
        if time.monotonic() - started > timeout:
            for cp in chargers[i + BATCH:]:
                cp.start()  # let the rest try in the background; they count as failed now
            break
    up = sum(cp.connected for cp in chargers)
    return up, len(chargers) - up, time.monotonic() - started


async def one_request(cp: SimulatedCharger, kind: str, latencies: list[float], errors: list[str]) -> None:
    station = cp.station
    if station is None:
        errors.append("offline")
        return
    started = time.perf_counter()
    try:
        if kind == "heartbeat":
            await station.heartbeat()
        else:
            await station.send_status(1, "Available", "NoError")
    except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
        errors.append(type(exc).__name__)
        return
    latencies.append(time.perf_counter() - started)


async def drive(fleet: SimulatedFleet, rate: float, seconds: float) -> dict[str, Any]:
    """Send `rate` requests per second for `seconds` (open loop) and collect latencies."""
    chargers = [cp for cp in fleet if cp.connected]
    latencies: list[float] = []
    errors: list[str] = []
    lag: list[float] = []
    tasks: set[asyncio.Task[Any]] = set()
    interval = 1.0 / rate if rate > 0 else seconds
    start = time.perf_counter()
    n = 0
    while chargers and (due := start + n * interval) < start + seconds:
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lag.append(max(0.0, time.perf_counter() - due))
        kind = "heartbeat" if random.random() < 0.7 else "status"
        task = asyncio.create_task(one_request(random.choice(chargers), kind, latencies, errors))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        n += 1
    if tasks:
        await asyncio.wait(tasks, timeout=30)
    elapsed = time.perf_counter() - start
    lag.sort()
    return {"sent": n, "answered": len(latencies), "errors": len(errors), "error_kinds": sorted(set(errors))[:5],
            "seconds": elapsed, "latencies": latencies, "held": sum(cp.connected for cp in fleet),
            "lag_p99_ms": lag[int(0.99 * (len(lag) - 1))] * 1000 if lag else 0.0}


async def main(args: argparse.Namespace) -> None:
    from bot.fleet.loader import parse_fleet_file

    specs = list(parse_fleet_file(Path(args.fleet)).chargers)[args.start:args.stop]
    fleet = SimulatedFleet(args.url, specs, None, protocol=args.protocol, heartbeat_interval=0, validate=False,
                           record_sent=False, ping_interval=None, response_timeout=30,
                           compression=None if args.no_compression else "deflate")
    up, failed, took = await connect_all(fleet, args.connect_timeout)
    gc.freeze()  # the chargers live for the whole run; keep collections short in the load process too
    emit({"connected": up, "failed": failed, "connect_s": took})
    try:
        while (line := (await read_line()).strip()) not in ("", "stop"):
            order = json.loads(line)
            emit(await drive(fleet, float(order["rate"]), float(order["seconds"])))
    finally:
        await fleet.close()


if __name__ == "__main__":
    logging.getLogger("ocpp_bridge.simulator").setLevel(logging.ERROR)  # drops are counted, not logged one by one
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--fleet", required=True)
    parser.add_argument("--start", type=int, required=True, help="first charger (index in the fleet file)")
    parser.add_argument("--stop", type=int, required=True, help="one past the last charger")
    parser.add_argument("--protocol", default="1.6")
    parser.add_argument("--connect-timeout", type=float, default=300)
    parser.add_argument("--no-compression", action="store_true", help="do not offer permessage-deflate")
    asyncio.run(main(parser.parse_args()))
