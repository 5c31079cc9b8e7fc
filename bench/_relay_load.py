"""Load worker for bench/relay.py: simulated chargers through the relay and, side by side, straight to the CSMS.

Protocol with the parent (one JSON object per line): the worker prints {"connected", "direct", "failed",
"connect_s"} once its chargers have booted, then reads {"rate", "direct_rate", "seconds"} from stdin and drives
that many requests per second through the relay and straight to the CSMS, interleaved in one open-loop schedule on
one event loop (so both see the same load-side delays), and prints both latency lists; "stop" ends it.
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
from bench._ocpp_load import connect_all, emit, one_request, read_line
from ocpp_bridge.simulator import SimulatedCharger, SimulatedFleet


async def drive(relayed: list[SimulatedCharger], direct: list[SimulatedCharger], rate: float, direct_rate: float,
                seconds: float) -> dict[str, Any]:
    """Open loop at rate + direct_rate; each request goes to a random charger of the side it was drawn for."""
    lists: dict[str, list[float]] = {"relayed": [], "direct": []}
    errors: list[str] = []
    tasks: set[asyncio.Task[Any]] = set()
    total = rate + direct_rate
    share = direct_rate / total if total else 0.0
    start, n = time.perf_counter(), 0
    while total > 0 and (due := start + n / total) < start + seconds:
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        side = "direct" if direct and random.random() < share else "relayed"
        cp = random.choice(direct if side == "direct" else relayed)
        kind = "heartbeat" if random.random() < 0.7 else "status"
        task = asyncio.create_task(one_request(cp, kind, lists[side], errors))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        n += 1
    if tasks:
        await asyncio.wait(tasks, timeout=30)
    return {"sent": n, "errors": len(errors), "error_kinds": sorted(set(errors))[:5],
            "seconds": time.perf_counter() - start, **lists}


async def main(args: argparse.Namespace) -> None:
    from bot.fleet.loader import parse_fleet_file

    specs = list(parse_fleet_file(Path(args.fleet)).chargers)[args.start:args.stop]
    options: dict[str, Any] = {"protocol": args.protocol, "heartbeat_interval": 0, "validate": False,
                               "record_sent": False, "ping_interval": None, "response_timeout": 30,
                               "compression": None}
    relayed = SimulatedFleet(args.relay_url, specs[args.direct:], None, **options)
    direct = SimulatedFleet(args.direct_url, specs[:args.direct], None, **options)
    up_d, failed_d, _ = await connect_all(direct, args.connect_timeout)
    up, failed, took = await connect_all(relayed, args.connect_timeout)
    gc.freeze()
    emit({"connected": up, "direct": up_d, "failed": failed + failed_d, "connect_s": took})
    try:
        while (line := (await read_line()).strip()) not in ("", "stop"):
            order = json.loads(line)
            emit(await drive([cp for cp in relayed if cp.connected], [cp for cp in direct if cp.connected],
                             float(order["rate"]), float(order["direct_rate"]), float(order["seconds"])))
    finally:
        await relayed.close()
        await direct.close()


if __name__ == "__main__":
    logging.getLogger("ocpp_bridge.simulator").setLevel(logging.ERROR)
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    parser = argparse.ArgumentParser()
    parser.add_argument("--relay-url", required=True)
    parser.add_argument("--direct-url", required=True)
    parser.add_argument("--fleet", required=True)
    parser.add_argument("--start", type=int, required=True)
    parser.add_argument("--stop", type=int, required=True)
    parser.add_argument("--direct", type=int, required=True, help="how many of the slice connect straight to the CSMS")
    parser.add_argument("--protocol", default="1.6")
    parser.add_argument("--connect-timeout", type=float, default=300)
    asyncio.run(main(parser.parse_args()))
