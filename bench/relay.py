"""Relay mode's cost: added latency over a direct connection to the same CSMS, memory per relayed charger, and
the round trip of an injected command, with N chargers relayed.

    .venv/bin/python bench/relay.py [--chargers 1000,10000] [--rate 500] [--direct-rate 100] [--direct 200]
        [--seconds 20] [--command-rate 5] [--workers 2] [--protocol 1.6|2.0.1] [--json results.json]

Processes (all on 127.0.0.1): a minimal CSMS (this file with --serve-upstream: raw websockets, answers every
CALL at once, so its own cost is small and equal for both paths); `chargeline bridge --mode relay` in front of
it (fresh SQLite database, no fleet file: every charger is relayed as unknown); `--workers` load processes
(bench/_relay_load.py) each holding a slice of the relayed chargers and `--direct`/workers chargers connected
straight to the CSMS, sending Heartbeat (70%) and StatusNotification (30%) open loop on one event loop, so both
paths share the load side's delays and the difference is the relay's. Injected commands: verified TriggerMessage
through the control API at `--command-rate` per second (control API -> relay -> charger -> StatusNotification
seen, which also passes on to the CSMS).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._system import BIN, free_port, wait_http
from bench.ocpp_bridge import TOKEN, cpu_seconds, pct, read_json, rss_kib, run_commands, write_fleet
from ocpp_bridge.client import BridgeClient

LOAD = Path(__file__).with_name("_relay_load.py")
GC_LOG = """
import gc, sys, time
started = {}
def timer(phase, info):
    if phase == "start":
        started["t"] = time.perf_counter()
    elif (ms := (time.perf_counter() - started["t"]) * 1000) > 10:
        print(f"gc pause {ms:.0f} ms generation {info['generation']} collected {info['collected']}", file=sys.stderr)
gc.callbacks.append(timer)
sys.argv = sys.argv[1:]
from bot.cli import main
sys.exit(main())
"""


def answer(action: str) -> dict[str, Any]:
    """The CSMS's CALLRESULT payload for a charger's CALL."""
    now = datetime.now(UTC).isoformat()
    if action == "BootNotification":
        return {"currentTime": now, "interval": 300, "status": "Accepted"}
    if action == "Heartbeat":
        return {"currentTime": now}
    if action in ("Authorize", "StartTransaction"):
        return {"idTagInfo": {"status": "Accepted"}, **({"transactionId": 1} if action == "StartTransaction" else {})}
    return {}


async def serve_upstream(port: int) -> None:
    """The minimal CSMS: answer every CALL, ignore everything else, until killed."""
    from websockets.asyncio.server import serve

    async def handler(ws: Any) -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message[0] == 2:
                await ws.send(json.dumps([3, message[1], answer(message[2])]))

    async with serve(handler, "127.0.0.1", port, subprotocols=["ocpp1.6", "ocpp2.0.1"], compression=None,
                     ping_interval=None, max_queue=32, backlog=1024):
        await asyncio.Event().wait()


def start(cmd: list[str], env: dict[str, str], log_file: Path, **kw: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(cmd, env=env, stderr=open(log_file, "w"), text=True, **kw)


def run_step(n: int, args: argparse.Namespace, log: Any) -> list[dict[str, Any]]:
    workdir = Path(tempfile.mkdtemp(prefix="chargeline-relay-bench-"))
    fleet = workdir / "fleet.yml"
    ids = write_fleet(fleet, n + args.direct)
    relay_port, control_port, upstream_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARGELINE_")}
    env.update(CHARGELINE_DATABASE_URL=f"sqlite:///{workdir / 'relay.db'}", CHARGELINE_OCPP_PORT=str(relay_port),
               CHARGELINE_BRIDGE_PORT=str(control_port), CHARGELINE_API_TOKEN=TOKEN,
               CHARGELINE_SECRET_KEY="bench-secret", CHARGELINE_LOG_LEVEL="WARNING",
               CHARGELINE_DATA_DIR=str(workdir / "data"), CHARGELINE_BRIDGE_MODE="relay",
               CHARGELINE_RELAY_UPSTREAM=f"ws://127.0.0.1:{upstream_port}/ocpp")
    cl = str(BIN / "chargeline")
    subprocess.run([cl, "db", "upgrade"], env=env, check=True, capture_output=True)
    upstream = start([sys.executable, __file__, "--serve-upstream", str(upstream_port)], env, workdir / "csms.log")
    profile = ["-m", "cProfile", "-o", str(args.profile)] if args.profile else []
    if args.gc_log:  # log every garbage collection pause over 10 ms to the relay's log
        profile = ["-c", GC_LOG]
    relay = start([sys.executable, *profile, cl, "bridge", "--mode", "relay"], env, workdir / "relay.log", cwd=workdir)
    log(f"[{n}] relay log: {workdir / 'relay.log'}")
    workers: list[subprocess.Popen[str]] = []
    try:
        wait_http(f"http://127.0.0.1:{control_port}/healthz", 60)
        base_rss = rss_kib(relay.pid)
        per = args.direct // args.workers
        for i in range(args.workers):  # slice i: `per` direct chargers, then its share of the relayed ones
            lo, hi = i * n // args.workers + i * per, (i + 1) * n // args.workers + (i + 1) * per
            workers.append(subprocess.Popen(
                [sys.executable, str(LOAD), "--relay-url", f"ws://127.0.0.1:{relay_port}/ocpp",
                 "--direct-url", f"ws://127.0.0.1:{upstream_port}/ocpp", "--fleet", str(fleet),
                 "--start", str(lo), "--stop", str(hi),
                 "--direct", str(per), "--protocol", args.protocol, "--connect-timeout", str(args.connect_timeout)],
                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
        hello = [read_json(w, args.connect_timeout + 120) for w in workers]
        connected, direct = sum(h["connected"] for h in hello), sum(h["direct"] for h in hello)
        time.sleep(3)  # the last boots recorded before memory is read
        rss = rss_kib(relay.pid)
        log(f"[{n}] {connected} relayed + {direct} direct in {max(h['connect_s'] for h in hello):.1f} s; "
            f"relay RSS {rss / 1024:.0f} MiB")
        client = BridgeClient(f"http://127.0.0.1:{control_port}", TOKEN, timeout=30)
        rows = []
        for rate in args.rates:
            cpu0 = cpu_seconds(relay.pid)
            for w in workers:
                w.stdin.write(json.dumps({"rate": rate / len(workers), "direct_rate": args.direct_rate / len(workers),  # type: ignore[union-attr]
                                          "seconds": args.seconds}) + "\n")
                w.stdin.flush()  # type: ignore[union-attr]
            commands = run_commands(client, relayed_ids_of(ids, n, args), args.command_rate, args.seconds)
            results = [read_json(w, args.seconds + 90) for w in workers]
            seconds = max(r["seconds"] for r in results)
            cpu = (cpu_seconds(relay.pid) - cpu0) / seconds
            rows.append(summarise(n, rate, connected, direct, results, commands, cpu, rss, base_rss, seconds,
                                  client.health().get("chargers", 0)))
            log(json.dumps(rows[-1]))
    finally:
        for w in workers:
            if w.poll() is None:
                try:
                    w.stdin.write("stop\n")  # type: ignore[union-attr]
                    w.stdin.flush()  # type: ignore[union-attr]
                    w.wait(30)
                except (OSError, subprocess.TimeoutExpired):
                    w.kill()
        for process in (relay, upstream):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
    return rows


def relayed_ids_of(ids: list[str], n: int, args: argparse.Namespace) -> list[str]:
    """The ids the workers connected through the relay (each slice starts with its direct chargers)."""
    per, chosen = args.direct // args.workers, []
    for i in range(args.workers):
        lo, hi = i * n // args.workers + i * per, (i + 1) * n // args.workers + (i + 1) * per
        chosen += ids[lo + per:hi]
    return chosen


def summarise(n: int, rate: float, connected: int, direct: int, results: list[dict[str, Any]],
              commands: dict[str, Any], cpu: float, rss: int, base_rss: int, seconds: float,
              held: int) -> dict[str, Any]:
    """One row: relayed and direct latency side by side, the difference, the command round trip, memory."""
    relayed = [x for r in results for x in r["relayed"]]
    straight = [x for r in results for x in r["direct"]]
    row: dict[str, Any] = {"chargers": n, "offered_rate": rate, "relayed": connected, "held": held,
                           "direct": direct, "msg_per_s": round(len(relayed) / seconds, 1),
                           "errors": sum(r["errors"] for r in results)}
    for q in (0.5, 0.99):
        key = f"p{int(q * 100)}"
        row[f"relayed_{key}_ms"] = round(pct(relayed, q), 2)
        row[f"direct_{key}_ms"] = round(pct(straight, q), 2)
        row[f"added_{key}_ms"] = round(pct(relayed, q) - pct(straight, q), 2)
    row.update(command_p50_ms=round(commands["p50_ms"], 1), command_p99_ms=round(commands["p99_ms"], 1),
               commands=commands["sent"], commands_verified=commands["verified"],
               command_outcomes=commands["outcomes"], relay_cpu_percent=round(cpu * 100, 1),
               relay_rss_mib=round(rss / 1024, 1), kib_per_relayed_charger=round((rss - base_rss) / max(connected, 1), 1),
               load_average=os.getloadavg()[0])
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve-upstream", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--chargers", default="1000,10000", help="relayed fleet sizes, comma-separated")
    parser.add_argument("--rate", default="500", help="requests per second through the relay (comma-separated)")
    parser.add_argument("--direct-rate", type=float, default=100, help="requests per second straight to the CSMS")
    parser.add_argument("--direct", type=int, default=200, help="chargers connected straight to the CSMS")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--command-rate", type=float, default=5, help="injected verified commands per second")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--protocol", choices=["1.6", "2.0.1"], default="1.6")
    parser.add_argument("--connect-timeout", type=float, default=300)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--profile", type=Path, help="run the relay under cProfile, writing its stats here")
    parser.add_argument("--gc-log", action="store_true", help="log the relay's garbage collection pauses over 10 ms")
    args = parser.parse_args()
    if args.serve_upstream:
        asyncio.run(serve_upstream(args.serve_upstream))
        return
    args.rates = [float(r) for r in args.rate.split(",")]
    rows = []
    for n in (int(c) for c in args.chargers.split(",")):
        rows += run_step(n, args, lambda text: print(text, file=sys.stderr, flush=True))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
