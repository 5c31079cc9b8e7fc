"""kill -9 under load: no driver's message lost or answered twice, every driver answered, no dead charger online.

    .venv/bin/python bench/faults.py [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
        [--messages 500] [--seconds 120] [--numbers 20] [--web-kills 5] [--bridge-kills 2]
        [--bridge-down 100,20] [--chargers 20] [--seed 1] [--json out.json] [--env KEY=VALUE ...]

ChargeLine runs as deployed on a fresh PostgreSQL schema: the bridge, simulated chargers and the web
process under gunicorn (2 workers), with Twilio's REST API played by a local HTTP server (replies sent
after a webhook has answered arrive there). `--numbers` drivers send `--messages` signed SMS spread over
`--seconds`, each webhook posted the way Twilio does with a connection override of `#rc=2&rp=ct,5xx`
(two retries, same MessageSid, when the connection fails or the answer is a 5xx; 15 s read timeout).
Meanwhile `--web-kills` web workers get SIGKILL at random times, each at a moment when a webhook is
waiting for its answer (gunicorn starts new workers), and the bridge
gets `--bridge-kills` SIGKILLs; it is started again after the `--bridge-down` seconds given for each
kill (the first outage is longer than the 90 s a charger may still be shown online after its node died).

Afterwards it counts, from the load generator's own records, the database and the REST stand-in:
lost (a message Twilio delivered that is not stored), doubled (a message stored twice, answered both in
its webhook and again by text, or the same text sent twice), unanswered (no answer in the webhook, no
text and no ticket within 60 s of the last restart; `ticket_only` counts those whose only answer is
their ticket) and chargers shown online more than 90 s after their bridge died (polled every 2 s from
the database, as the bot reads them).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._system import BIN, TWILIO_TOKEN, free_port, postgres_schema_url, wait_http, wait_online, write_fleet  # noqa: E402

ACCOUNT_SID = "AC" + "7" * 32
OUR_NUMBER = "+4930111222"
HOLD_TEXTS = ("Checking the charger now",)  # a webhook's hold answer; the result follows by text
ONLINE_GRACE_S = 90.0
ANSWER_WITHIN_S = 60.0


class RestStandIn:
    """Twilio's Messages API on 127.0.0.1: records every text (to, body, when) and answers 201."""

    def __init__(self) -> None:
        self.texts: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                with outer.lock:
                    outer.texts.append({"to": form.get("To", ""), "body": form.get("Body", ""), "at": time.time()})
                    n = len(outer.texts)
                reply = json.dumps({"sid": f"SM{n:032x}", "status": "queued", "to": form.get("To")}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


class Deployment:
    """The bridge, the simulated fleet and gunicorn, each a child process the run can kill and start again."""

    def __init__(self, *, chargers: int, database_url: str, rest_url: str, extra_env: dict[str, str],
                 log: Any) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="chargeline-faults-"))
        self.fleet = self.workdir / "fleet.yml"
        self.labels = write_fleet(self.fleet, chargers, sites=max(1, chargers // 4))
        self.chargers = chargers
        self.log = log
        web_port, self.ocpp_port, control_port = free_port(), free_port(), free_port()
        self.web_url = f"http://127.0.0.1:{web_port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARGELINE_", "TWILIO_", "TELEGRAM_"))}
        env.update(
            CHARGELINE_DATABASE_URL=database_url, CHARGELINE_DATA_DIR=str(self.workdir / "data"),
            CHARGELINE_OCPP_PORT=str(self.ocpp_port), CHARGELINE_BRIDGE_PORT=str(control_port),
            CHARGELINE_BRIDGE_URL=f"http://127.0.0.1:{control_port}", CHARGELINE_WEB_PORT=str(web_port),
            CHARGELINE_PUBLIC_URL=self.web_url, CHARGELINE_API_TOKEN="bench-api-token",
            CHARGELINE_SECRET_KEY="bench-secret", CHARGELINE_LOG_LEVEL="WARNING",
            TWILIO_AUTH_TOKEN=TWILIO_TOKEN, TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_API_URL=rest_url,
            TWILIO_SMS_FROM=OUR_NUMBER, **extra_env)
        self.env = env
        self.control_url = env["CHARGELINE_BRIDGE_URL"]
        self.bridge: subprocess.Popen[bytes] | None = None
        self.others: list[subprocess.Popen[bytes]] = []
        self.logfile = open(self.workdir / "processes.log", "ab")  # noqa: SIM115 (closed in stop)

    def _run(self, *args: str) -> None:
        subprocess.run([str(BIN / "chargeline"), *args], env=self.env, check=True, capture_output=True)

    def start(self) -> None:
        self._run("db", "upgrade")
        self._run("fleet", "import", str(self.fleet))
        self.log("training or loading the NLU model...")
        self._run("nlu", "train")
        self.start_bridge()
        self.others.append(subprocess.Popen(
            [str(BIN / "chargeline"), "simulate", "--url", f"ws://127.0.0.1:{self.ocpp_port}/ocpp", "--fleet",
             str(self.fleet), "--heartbeat", "30"], env=self.env, cwd=self.workdir, stdout=subprocess.DEVNULL,
            stderr=self.logfile))
        self.gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "2", "-k", "gthread", "--threads", "8", "-b",
             self.web_url.removeprefix("http://"), "--log-level", "warning", "bot.web.wsgi:app"],
            env=self.env, cwd=self.workdir, stderr=self.logfile)
        self.others.append(self.gunicorn)
        wait_http(f"{self.web_url}/healthz")
        wait_online(self.env["CHARGELINE_DATABASE_URL"], self.chargers, self.log)

    def start_bridge(self) -> None:
        self.bridge = subprocess.Popen([str(BIN / "chargeline"), "bridge"], env=self.env, cwd=self.workdir,
                                       stderr=self.logfile)
        wait_http(f"{self.control_url}/healthz")

    def kill_bridge(self) -> None:
        assert self.bridge is not None
        self.bridge.send_signal(signal.SIGKILL)
        self.bridge.wait()

    def web_workers(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.gunicorn.pid}/task/{self.gunicorn.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def kill_web_worker(self, rng: random.Random) -> int | None:
        workers = self.web_workers()
        if not workers:
            return None
        victim = rng.choice(workers)
        os.kill(victim, signal.SIGKILL)
        return victim

    def stop(self) -> None:
        for process in [*self.others, *([self.bridge] if self.bridge else [])]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.others, *([self.bridge] if self.bridge else [])]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.logfile.close()


@dataclass
class Sent:
    """One SMS as Twilio delivered it: every attempt's outcome and the answer in the webhook, if any."""

    sid: str
    number: str
    text: str
    at: float
    attempts: list[str] = field(default_factory=list)  # "200", "500", "connection", "timeout"
    took: list[float] = field(default_factory=list)  # seconds each attempt took
    answers: list[str] = field(default_factory=list)  # the <Message> texts of the answer Twilio got
    answered_at: float | None = None


def script(label: str) -> list[str]:
    return [f"{label} won't start", "how do I pay here", "yes", f"is {label} working", "the screen shows an error",
            "thanks"]


class InFlight:
    """How many webhooks are waiting for their answer right now (a kill then lands mid-turn more often)."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def __enter__(self) -> None:
        with self.lock:
            self.count += 1

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.count -= 1

    def wait_busy(self, timeout: float) -> None:
        deadline = time.time() + timeout
        while self.count == 0 and time.time() < deadline:
            time.sleep(0.002)


IN_FLIGHT = InFlight()


def post_like_twilio(web_url: str, sent: Sent, http: requests.Session) -> None:
    """POST the signed webhook; retry twice (same MessageSid) on a failed connection or a 5xx (`#rc=2&rp=ct,5xx`)."""
    from twilio.request_validator import RequestValidator

    url = f"{web_url}/twilio/sms"
    params = {"MessageSid": sent.sid, "AccountSid": ACCOUNT_SID, "From": sent.number, "To": OUR_NUMBER,
              "Body": sent.text, "NumMedia": "0"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
    for attempt in range(3):
        if attempt:
            time.sleep(1.0)
        began = time.time()
        try:
            with IN_FLIGHT:
                response = http.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=(5, 15))
        except requests.Timeout:
            sent.attempts.append("timeout")
            sent.took.append(round(time.time() - began, 2))
            continue
        except requests.ConnectionError:
            sent.attempts.append("connection")
            sent.took.append(round(time.time() - began, 2))
            continue
        sent.took.append(round(time.time() - began, 2))
        sent.attempts.append(str(response.status_code))
        if response.status_code >= 500:
            continue
        try:
            sent.answers = [m.text or "" for m in ET.fromstring(response.content).iter("Message")]
        except ET.ParseError:
            sent.answers = []
        sent.answered_at = time.time()
        return


class OnlineWatch:
    """While a bridge is dead, polls every charger's state as the bot reads it; the worst lag after 90 s."""

    def __init__(self, database_url: str, charger_ids: list[str]) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        self.engine = create_engine(database_url)
        self.sessions = sessionmaker(self.engine)
        self.charger_ids = charger_ids
        self.died_at: float | None = None
        self.late: set[str] = set()  # chargers shown online more than 90 s after their node died
        self.longest_online_s = 0.0
        self.polls = 0
        self.stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        from ocpp_bridge.state import charger_snapshot

        while not self.stop.wait(2.0):
            died = self.died_at
            if died is None:
                continue
            with self.sessions() as session:
                online = [cid for cid in self.charger_ids
                          if (charger_snapshot(session, cid) or {}).get("online")]
            self.polls += 1
            if self.died_at != died:  # restarted while polling: these readings are the new node's
                continue
            if online:
                self.longest_online_s = max(self.longest_online_s, time.time() - died)
                if time.time() - died > ONLINE_GRACE_S:
                    self.late.update(online)

    def close(self) -> None:
        self.stop.set()
        self.engine.dispose()


def kill_plan(rng: random.Random, seconds: float, web_kills: int, bridge_kills: int,
              bridge_down: list[float]) -> list[tuple[float, str, float]]:
    """(when, what, downtime): web kills spread over the run, bridge kills one after the other's restart."""
    plan = [(rng.uniform(5, seconds - 10), "web", 0.0) for _ in range(web_kills)]
    at = rng.uniform(5, 15)
    for n in range(bridge_kills):
        down = bridge_down[min(n, len(bridge_down) - 1)]
        plan.append((at, "bridge", down))
        at += down + rng.uniform(5, 10)
    return sorted(plan)


def ledger(database_url: str) -> dict[str, Any]:
    """What the database holds: inbound deliveries, replies texted from the outbox, tickets per conversation."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            inbound = Counter(row[0] for row in connection.execute(text(
                "SELECT delivery_id FROM conversation_messages WHERE direction = 'in' AND channel = 'sms'")))
            unprocessed = {row[0] for row in connection.execute(text(
                "SELECT delivery_id FROM conversation_messages WHERE direction = 'in' AND channel = 'sms' "
                "AND NOT processed"))}
            texted = {row[0]: row[1] for row in connection.execute(text(
                "SELECT delivery_id, parts_sent FROM reply_outbox WHERE channel = 'sms' AND sent_at IS NOT NULL "
                "AND parts_sent > 0"))}
            ticketed = {row[0] for row in connection.execute(text(
                "SELECT m.delivery_id FROM conversation_messages m JOIN tickets t "
                "ON t.conversation_id = m.conversation_id WHERE m.direction = 'in' AND m.channel = 'sms'"))}
    finally:
        engine.dispose()
    return {"inbound": inbound, "unprocessed": unprocessed, "texted": texted, "ticketed": ticketed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="PostgreSQL to make a fresh schema in (default the local test database)")
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--numbers", type=int, default=20)
    parser.add_argument("--chargers", type=int, default=20)
    parser.add_argument("--web-kills", type=int, default=5)
    parser.add_argument("--bridge-kills", type=int, default=2)
    parser.add_argument("--bridge-down", default="100,20", help="seconds each bridge stays dead (default 100,20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra settings for every ChargeLine process (e.g. CHARGELINE_TURN_GRACE=30)")
    args = parser.parse_args()
    log = lambda line: print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)  # noqa: E731
    rng = random.Random(args.seed)
    extra_env = dict(item.split("=", 1) for item in args.env)
    database_url = postgres_schema_url(args.database_url)
    rest = RestStandIn()
    system = Deployment(chargers=args.chargers, database_url=database_url, rest_url=rest.url, extra_env=extra_env,
                        log=log)
    events: list[dict[str, Any]] = []
    sent: list[Sent] = []
    try:
        system.start()
        watch = OnlineWatch(database_url, [f"CP-{1000 + n}" for n in range(args.chargers)])
        numbers = [f"+4915{7000000 + n:07d}" for n in range(args.numbers)]
        scripts = {number: script(system.labels[n % len(system.labels)]) for n, number in enumerate(numbers)}
        for n in range(args.messages):
            number = numbers[n % len(numbers)]
            lines = scripts[number]
            sent.append(Sent(sid=f"SMfault{args.seed:04d}{n:021d}", number=number,
                             text=lines[(n // len(numbers)) % len(lines)], at=0.0))
        plan = kill_plan(rng, args.seconds, args.web_kills, args.bridge_kills,
                         [float(x) for x in args.bridge_down.split(",")])
        log(f"{args.messages} SMS from {args.numbers} numbers over {args.seconds:.0f} s; kills at "
            + ", ".join(f"{at:.0f} s {what}" for at, what, _ in plan))
        started = time.time()
        local = threading.local()

        def send(item: Sent, due: float) -> None:
            time.sleep(max(0.0, started + due - time.time()))
            item.at = time.time()
            if not hasattr(local, "http"):
                local.http = requests.Session()
            post_like_twilio(system.web_url, item, local.http)

        restarts: list[float] = []

        def chaos(kind: str) -> None:
            for at, what, down in plan:
                if what != kind:
                    continue
                time.sleep(max(0.0, started + at - time.time()))
                if what == "web":
                    IN_FLIGHT.wait_busy(5.0)  # aim at a moment when a turn is running
                    pid = system.kill_web_worker(rng)
                    events.append({"at_s": round(time.time() - started, 1), "kill": "web worker", "pid": pid})
                    log(f"kill -9 web worker {pid}")
                    continue
                system.kill_bridge()
                watch.died_at = time.time()
                events.append({"at_s": round(watch.died_at - started, 1), "kill": "bridge", "down_s": down})
                log(f"kill -9 bridge; down for {down:.0f} s")
                time.sleep(down)
                watch.died_at = None
                system.start_bridge()
                restarts.append(time.time())
                log("bridge started again")

        chaos_threads = [threading.Thread(target=chaos, args=(kind,), daemon=True) for kind in ("web", "bridge")]
        for thread in chaos_threads:
            thread.start()
        with ThreadPoolExecutor(max_workers=48) as pool:
            for n, item in enumerate(sent):
                pool.submit(send, item, n * args.seconds / args.messages)
            while any(not s.attempts for s in sent):
                time.sleep(5)
                log(f"{sum(1 for s in sent if s.attempts)} of {len(sent)} delivered")
        for thread in chaos_threads:
            thread.join()
        last = max([time.time(), *restarts])
        log(f"load done; waiting up to {ANSWER_WITHIN_S:.0f} s for unfinished turns to be answered")
        deadline = last + ANSWER_WITHIN_S
        while time.time() < deadline:
            db = ledger(database_url)
            if not db["unprocessed"] and len(db["inbound"]) >= sum(1 for s in sent if "200" in s.attempts):
                break
            time.sleep(5)
        wait_online(database_url, args.chargers, log, timeout=60)
        watch.close()
        db = ledger(database_url)
        results = judge(sent, db, rest.texts, watch, events, args)
    finally:
        system.stop()
        rest.close()
    print_results(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


def judge(sent: list[Sent], db: dict[str, Any], texts: list[dict[str, Any]], watch: OnlineWatch,
          events: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    """The run's figures against its targets (0 lost, 0 doubled, 0 unanswered, 0 chargers online too long)."""
    inbound, texted, ticketed = db["inbound"], db["texted"], db["ticketed"]
    lost = [s.sid for s in sent if s.sid not in inbound]
    doubled_store = [sid for sid, count in inbound.items() if count > 1]
    full_answer = {s.sid for s in sent if s.answers and not all(a.startswith(HOLD_TEXTS) for a in s.answers)}
    doubled_answer = sorted(full_answer & set(texted))
    same_text = Counter((t["to"], t["body"], round(t["at"])) for t in texts)
    doubled_texts = sum(count - 1 for count in same_text.values() if count > 1)
    unanswered = [s.sid for s in sent if not s.answers and s.sid not in texted and s.sid not in ticketed]
    ticket_only = [s.sid for s in sent if not s.answers and s.sid not in texted and s.sid in ticketed]
    retried = sum(1 for s in sent if len(s.attempts) > 1)
    failed_attempts = Counter(a for s in sent for a in s.attempts if a != "200")
    return {
        "messages": len(sent), "numbers": args.numbers, "seconds": args.seconds, "seed": args.seed,
        "kills": events, "webhook_attempts_failed": dict(failed_attempts), "retried_by_twilio": retried,
        "answered_in_webhook": sum(1 for s in sent if s.answers), "answered_by_text": len(texted),
        "texts_sent": len(texts), "lost": len(lost), "doubled": len(doubled_store) + len(doubled_answer) + doubled_texts,
        "doubled_detail": {"stored_twice": len(doubled_store), "webhook_and_text": len(doubled_answer),
                           "same_text_twice": doubled_texts},
        "unanswered": len(unanswered), "ticket_only": len(ticket_only), "still_unprocessed": len(db["unprocessed"]),
        "online_after_death_max_s": round(watch.longest_online_s, 1), "online_polls": watch.polls,
        "chargers_online_over_90s": len(watch.late), "examples": {"lost": lost[:5], "unanswered": unanswered[:5],
                                                                  "doubled": doubled_answer[:5]},
        "troubled": [{"sid": s.sid, "at_s": round(s.at - sent[0].at, 1), "attempts": s.attempts, "took": s.took,
                      "answers": len(s.answers), "texted": s.sid in texted, "ticket": s.sid in ticketed}
                     for s in sent if len(s.attempts) > 1 or not s.answers],
    }


def print_results(results: dict[str, Any]) -> None:
    print()
    for key in ("messages", "kills", "webhook_attempts_failed", "retried_by_twilio", "answered_in_webhook",
                "answered_by_text", "texts_sent", "lost", "doubled", "doubled_detail", "unanswered", "ticket_only",
                "still_unprocessed", "online_after_death_max_s", "chargers_online_over_90s", "examples"):
        print(f"{key:>26}: {results[key]}")
    met = not (results["lost"] or results["doubled"] or results["unanswered"] or results["chargers_online_over_90s"])
    print(f"\ntargets (0 lost, 0 doubled, 0 unanswered, 0 chargers online > 90 s after their node died): "
          f"{'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
