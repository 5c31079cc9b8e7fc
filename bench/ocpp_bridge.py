"""The OCPP bridge under a rising number of connected chargers: latency, command round trip, memory.

    .venv/bin/python bench/ocpp_bridge.py [--chargers 1000,5000,10000] [--rate 500] [--seconds 30]
        [--command-rate 5] [--workers 2] [--protocol 1.6|2.0.1|mixed]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--json results.json]

For each fleet size: a fresh database with a generated fleet (one password per
charger), `chargeline bridge` in its own process, simulated chargers
(ocpp_bridge.simulator, schema validation off) in `--workers` other processes
connecting in batches; then for `--seconds`, `--rate` charger requests per
second (70% Heartbeat, 30% StatusNotification from random chargers, open loop)
while BridgeClient sends `--command-rate` verified TriggerMessage commands per
second (control API -> bridge -> charger -> StatusNotification seen). Only
127.0.0.1 is contacted; every phase is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._system import BIN, free_port, postgres_schema_url, wait_http
from ocpp_bridge.client import BridgeClient

TOKEN = "bench-api-token"
LOAD = Path(__file__).with_name("_ocpp_load.py")


def write_fleet(path: Path, chargers: int) -> list[str]:
    """N chargers with two connectors and a password each; returns their ids."""
    rows = [{"id": f"CP-{100000 + n}", "site": f"site-{n % 20:02d}", "label": f"Bench {n + 1}",
             "password": f"bench-password-{n:06d}",
             "connectors": [{"id": 1, "type": "CCS2", "max_kw": 150}, {"id": 2, "type": "Type 2", "max_kw": 22}]}
            for n in range(chargers)]
    sites = [{"id": f"site-{s:02d}", "name": f"Bench site {s}", "type": "highway"} for s in range(20)]
    path.write_text(yaml.safe_dump({"sites": sites, "chargers": rows, "unknown_tokens": "accept"}))
    return [r["id"] for r in rows]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def read_json(process: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
    """One JSON line from a worker, or an error after `timeout` seconds."""
    box: dict[str, Any] = {}
    reader = threading.Thread(target=lambda: box.update(line=process.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if not box.get("line"):
        raise TimeoutError(f"load worker {process.pid} said nothing within {timeout:.0f} s")
    return json.loads(box["line"])


def run_commands(client: BridgeClient, ids: list[str], rate: float, seconds: float) -> dict[str, Any]:
    """Verified TriggerMessage commands at `rate` per second (open loop); round-trip times."""
    times: list[float] = []
    outcomes: dict[str, int] = {}

    def one(charger_id: str) -> None:
        started = time.perf_counter()
        try:
            result = client.command(charger_id, "TriggerMessage",
                                    {"requested_message": "StatusNotification", "connector_id": 1},
                                    verify=True, requested_by="api")
            key = f"{result.status}/verified={result.verified}"
            if result.status == "Accepted" and result.verified:
                times.append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - counted in the report
            key = type(exc).__name__
        outcomes[key] = outcomes.get(key, 0) + 1

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        n = 0
        while rate > 0 and (due := start + n / rate) < start + seconds:
            time.sleep(max(0.0, due - time.perf_counter()))
            pool.submit(one, random.choice(ids))
            n += 1
    return {"sent": n, "verified": len(times), "outcomes": outcomes, "p50_ms": pct(times, 0.5),
            "p99_ms": pct(times, 0.99), "max_ms": max(times) * 1000 if times else float("nan")}


def run_step(n: int, args: argparse.Namespace, log: Any) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="chargeline-ocpp-bench-"))
    fleet = workdir / "fleet.yml"
    ids = write_fleet(fleet, n)
    ocpp_port, control_port = free_port(), free_port()
    database_url = postgres_schema_url(args.database_url) if args.database_url else f"sqlite:///{workdir / 'b.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARGELINE_")}
    env.update(CHARGELINE_DATABASE_URL=database_url, CHARGELINE_OCPP_HOST="127.0.0.1",
               CHARGELINE_OCPP_PORT=str(ocpp_port), CHARGELINE_BRIDGE_PORT=str(control_port),
               CHARGELINE_API_TOKEN=TOKEN, CHARGELINE_SECRET_KEY="bench-secret", CHARGELINE_LOG_LEVEL="WARNING",
               CHARGELINE_DATA_DIR=str(workdir / "data"))
    cl = str(BIN / "chargeline")
    started = time.monotonic()
    subprocess.run([cl, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([cl, "fleet", "import", str(fleet)], env=env, check=True, capture_output=True)
    log(f"[{n}] fleet imported in {time.monotonic() - started:.1f} s; starting the bridge")
    bridge = subprocess.Popen([cl, "bridge"], env=env, cwd=workdir, stderr=open(workdir / "bridge.log", "w"))
    workers: list[subprocess.Popen[str]] = []
    try:
        wait_http(f"http://127.0.0.1:{control_port}/healthz", 60)
        base_rss = rss_kib(bridge.pid)
        slices = [(i * n // args.workers, (i + 1) * n // args.workers) for i in range(args.workers)]
        for lo, hi in slices:
            workers.append(subprocess.Popen(
                [sys.executable, str(LOAD), "--url", f"ws://127.0.0.1:{ocpp_port}/ocpp", "--fleet", str(fleet),
                 "--start", str(lo), "--stop", str(hi), "--protocol", args.protocol,
                 "--connect-timeout", str(args.connect_timeout)] + (["--no-compression"] if args.no_compression else []),
                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
        hello = [read_json(w, args.connect_timeout + 120) for w in workers]
        connected = sum(h["connected"] for h in hello)
        connect_s = max(h["connect_s"] for h in hello)
        time.sleep(2)  # let the bridge finish recording the last boots before measuring memory
        rss = rss_kib(bridge.pid)
        log(f"[{n}] {connected} connected in {connect_s:.1f} s; bridge RSS {rss / 1024:.0f} MiB")
        client = BridgeClient(f"http://127.0.0.1:{control_port}", TOKEN, timeout=30)
        rows = []
        for rate in args.rates:
            log(f"[{n}] measuring {args.seconds:.0f} s at {rate:.0f} msg/s")
            cpu0 = cpu_seconds(bridge.pid)
            for w in workers:
                w.stdin.write(json.dumps({"rate": rate / len(workers), "seconds": args.seconds}) + "\n")  # type: ignore[union-attr]
                w.stdin.flush()  # type: ignore[union-attr]
            commands = run_commands(client, ids[:max(1, connected)], args.command_rate, args.seconds)
            results = [read_json(w, args.seconds + 90) for w in workers]
            cpu = (cpu_seconds(bridge.pid) - cpu0) / max(r["seconds"] for r in results)
            held = client.health().get("chargers", 0)
            rows.append(summarise(n, rate, connected, held, connect_s, results, commands, cpu, rss, base_rss, args))
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
        bridge.send_signal(signal.SIGTERM)
        try:
            bridge.wait(30)
        except subprocess.TimeoutExpired:
            bridge.kill()
    return rows


def summarise(n: int, rate: float, connected: int, held: int, connect_s: float, results: list[dict[str, Any]],
              commands: dict[str, Any], cpu: float, rss: int, base_rss: int,
              args: argparse.Namespace) -> dict[str, Any]:
    """One table row: a fleet size at one offered rate."""
    latencies = [x for r in results for x in r["latencies"]]
    seconds = max(r["seconds"] for r in results)
    return {"chargers": n, "offered_rate": rate, "connected": connected, "held": held, "connect_s": round(connect_s, 1),
            "requests": sum(r["sent"] for r in results), "answered": len(latencies),
            "errors": sum(r["errors"] for r in results),
            "msg_per_s": round(len(latencies) / seconds, 1),
            "p50_ms": round(pct(latencies, 0.5), 2), "p99_ms": round(pct(latencies, 0.99), 2),
            "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
            "load_lag_p99_ms": round(max(r["lag_p99_ms"] for r in results), 1),
            "command_p50_ms": round(commands["p50_ms"], 1), "command_p99_ms": round(commands["p99_ms"], 1),
            "command_max_ms": round(commands["max_ms"], 1), "commands": commands["sent"],
            "commands_verified": commands["verified"], "command_outcomes": commands["outcomes"],
            "bridge_cpu_percent": round(cpu * 100, 1), "bridge_rss_mib": round(rss / 1024, 1),
            "rss_kib_per_connection": round((rss - base_rss) / max(connected, 1), 1),
            "database": "postgresql" if args.database_url else "sqlite",
            "compression": not args.no_compression}


COLUMNS = [("chargers", "chargers"), ("offered_rate", "offered/s"), ("connected", "connected"), ("held", "held"), ("connect_s", "connect s"),
           ("msg_per_s", "msg/s"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"), ("command_p50_ms", "cmd p50"),
           ("command_p99_ms", "cmd p99"), ("commands_verified", "cmd ok"), ("commands", "cmds"),
           ("bridge_cpu_percent", "CPU %"), ("bridge_rss_mib", "RSS MiB"), ("rss_kib_per_connection", "KiB/conn")]


def table(rows: list[dict[str, Any]]) -> str:
    lines = [" | ".join(title for _, title in COLUMNS), " | ".join("---" for _ in COLUMNS)]
    lines += [" | ".join(str(row[key]) for key, _ in COLUMNS) for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chargers", default="1000,5000,10000", help="fleet sizes, comma-separated")
    parser.add_argument("--rate", default="500", help="charger requests per second while measuring; "
                        "several (comma-separated) are measured one after the other on the same fleet")
    parser.add_argument("--seconds", type=float, default=30, help="measuring time per fleet size")
    parser.add_argument("--command-rate", type=float, default=5, help="verified remote commands per second")
    parser.add_argument("--workers", type=int, default=2, help="load processes")
    parser.add_argument("--protocol", choices=["1.6", "2.0.1", "mixed"], default="1.6")
    parser.add_argument("--connect-timeout", type=float, default=300)
    parser.add_argument("--database-url", help="PostgreSQL base URL (a fresh schema per step); default SQLite")
    parser.add_argument("--no-compression", action="store_true",
                        help="chargers do not offer permessage-deflate (websockets offers it by default)")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    args.rates = [float(x) for x in args.rate.split(",")]
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by the bridge and the load workers
    log = lambda text: print(text, file=sys.stderr, flush=True)
    rows: list[dict[str, Any]] = []
    for n in (int(x) for x in args.chargers.split(",")):
        rows.extend(run_step(n, args, log))
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "results": rows},
                                        indent=2))


if __name__ == "__main__":
    main()
