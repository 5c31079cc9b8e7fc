"""Benchmark the built-in NLU: training time, model size, load time, parse latency, memory, accuracy.

    .venv/bin/python bench/nlu.py [--data nlu_data] [--heldout tests/data/nlu_heldout.yml] [--cv 5] [--json]

Latency and memory are measured in a fresh child process pinned to one core that only loads the
model and parses (as the web process does). The held-out file is only scored, never tuned on.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(model_path: str, texts_path: str) -> None:
    """Load the model, parse every text many times on one core, report timings and RSS as JSON."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    started = time.perf_counter()
    from bot.nlu.engine import BuiltinEngine
    from bot.nlu.model import load_model

    imported = time.perf_counter()
    engine = BuiltinEngine(load_model(Path(model_path)))
    loaded = time.perf_counter()
    texts = json.loads(Path(texts_path).read_text())
    for text in texts[:200]:  # warm up
        engine.parse(text)
    samples = []
    for _ in range(3):
        for text in texts:
            t0 = time.perf_counter_ns()
            engine.parse(text)
            samples.append((time.perf_counter_ns() - t0) / 1e6)
    samples.sort()
    status = Path("/proc/self/status").read_text().splitlines()
    rss_kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    print(json.dumps({
        "import_s": round(imported - started, 3), "load_s": round(loaded - imported, 3),
        "parse_ms": {p: round(samples[int(len(samples) * q) - 1], 3) for p, q in
                     (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))},
        "parse_mean_ms": round(statistics.fmean(samples), 3), "parses": len(samples),
        "rss_mb": round(rss_kb / 1024, 1),
        "sklearn_or_scipy_loaded": any(m in sys.modules for m in ("sklearn", "scipy")),
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "nlu_data")
    parser.add_argument("--heldout", type=Path, default=ROOT / "tests" / "data" / "nlu_heldout.yml")
    parser.add_argument("--cv", type=int, default=5, help="folds of cross-validation on the training data (0: skip)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    from bot.nlu import cross_validate, evaluate, load_data
    from bot.nlu.engine import BuiltinEngine
    from bot.nlu.train import config_path, read_config, train, train_data

    figures: dict[str, object] = {"cores": os.cpu_count()}
    started = time.perf_counter()
    model = train(args.data, progress=lambda message: None)
    figures["train_s"] = round(time.perf_counter() - started, 2)
    data = load_data(args.data)
    figures["train_examples"] = len(data.examples)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.npz"
        model.save(path)
        figures["model_mb"] = round(path.stat().st_size / 1e6, 2)
        texts = [e.text for e in data.examples]
        if args.heldout.is_file():
            texts += [e.text for e in load_data(args.heldout).examples]
        (Path(tmp) / "texts.json").write_text(json.dumps(texts))
        out = subprocess.run([sys.executable, __file__, "--child", str(path), str(Path(tmp) / "texts.json")],
                             capture_output=True, text=True, check=True).stdout
        figures["runtime"] = json.loads(out)
    engine = BuiltinEngine(model)
    if args.heldout.is_file():
        report = evaluate(engine, load_data(args.heldout).examples)
        figures["heldout"] = {k: report[k] for k in ("n", "intent_accuracy", "intent_macro_f1", "entity_f1",
                                                     "safety_hazard_recall")}
        figures["heldout_per_intent_f1"] = {k: v["f1"] for k, v in report["per_intent"].items()}
        # Short texts ("yes", "bye") recur verbatim in both files; score the unseen ones apart too.
        seen = {" ".join(e.text.lower().split()) for e in data.examples}
        novel = [e for e in load_data(args.heldout).examples if " ".join(e.text.lower().split()) not in seen]
        report = evaluate(engine, novel)
        figures["heldout_unseen"] = {k: report[k] for k in ("n", "intent_accuracy", "intent_macro_f1",
                                                            "entity_f1", "safety_hazard_recall")}
    if args.cv:
        config = read_config(config_path(args.data))
        started = time.perf_counter()
        report = cross_validate(data, args.cv, lambda d: BuiltinEngine(train_data(d, config, lambda m: None)))
        figures["cv"] = {"folds": args.cv, **{k: report[k] for k in ("n", "intent_accuracy", "intent_macro_f1",
                                                                      "entity_f1", "safety_hazard_recall")}}
        figures["cv_s"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(render(figures))


def render(f: dict) -> str:
    """Human-readable summary."""
    rt = f["runtime"]
    lines = [(f"training: {f['train_s']} s on {f['train_examples']} examples ({f['cores']} cores); "
              f"model {f['model_mb']} MB"),
             (f"load: {rt['load_s']} s (imports {rt['import_s']} s); RSS {rt['rss_mb']} MB; "
              f"sklearn/scipy loaded: {rt['sklearn_or_scipy_loaded']}"),
             (f"parse (1 core, {rt['parses']} parses): p50 {rt['parse_ms']['p50']} ms, "
              f"p95 {rt['parse_ms']['p95']} ms, p99 {rt['parse_ms']['p99']} ms")]
    for key in ("heldout", "heldout_unseen", "cv"):
        if key in f:
            r = f[key]
            lines.append(f"{key}: n={r['n']} accuracy {r['intent_accuracy']} macro-F1 {r['intent_macro_f1']} "
                         f"entity F1 {r['entity_f1']} safety recall {r['safety_hazard_recall']}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
