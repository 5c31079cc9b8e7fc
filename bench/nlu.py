"""Benchmark the built-in NLU: training time, model size, load time, parse latency, memory, accuracy.

    .venv/bin/python bench/nlu.py [--data nlu_data] [--language de] [--heldout FILE] [--cv 5] [--json]

Every language folder's model is trained (nlu_data/ and nlu_data/<xx>/); latency and memory are measured
in a fresh child process pinned to one core that loads all of them and parses (as the web process
does). Accuracy is scored for one language (--language, default the data root's) on its held-out file
(tests/data/nlu_heldout.yml for English, tests/data/nlu_<xx>_heldout.yml otherwise), through the
multilingual engine as deployed (its detector picks the model; no hint) and with that language's model
alone, plus language detection on the held-out messages of 3+ words. The held-out file is only scored,
never tuned on.
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


def child(models_path: str, texts_path: str) -> None:
    """Load every language's model, parse every text many times on one core, report timings and RSS as JSON."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    started = time.perf_counter()
    from bot.nlu.model import load_model
    from bot.nlu.router import MultilingualEngine

    imported = time.perf_counter()
    paths = json.loads(Path(models_path).read_text())
    engine = MultilingualEngine.from_models({lang: load_model(Path(p)) for lang, p in paths.items()})
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
        "rss_mb": round(rss_kb / 1024, 1), "languages": list(paths),
        "sklearn_or_scipy_loaded": any(m in sys.modules for m in ("sklearn", "scipy")),
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "nlu_data", help="the data root (language folders inside)")
    parser.add_argument("--language", help="the language to score (default: the data root's)")
    parser.add_argument("--heldout", type=Path, help="held-out file (default: the language's in tests/data/)")
    parser.add_argument("--cv", type=int, default=5, help="folds of cross-validation on the training data (0: skip)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    from bot.nlu import cross_validate, evaluate, load_data
    from bot.nlu.engine import BuiltinEngine
    from bot.nlu.loader import language_dirs
    from bot.nlu.router import MultilingualEngine
    from bot.nlu.train import background, config_path, read_config, train, train_data

    folders = language_dirs(args.data)
    language = args.language or next(iter(folders))
    if language not in folders:
        parser.error(f"no training data for language {language!r} (have: {', '.join(folders)})")
    heldout = args.heldout or ROOT / "tests" / "data" / (
        "nlu_heldout.yml" if language == next(iter(folders)) == "en" else f"nlu_{language}_heldout.yml")
    figures: dict[str, object] = {"cores": os.cpu_count(), "language": language, "languages": list(folders)}
    models = {}
    for lang, folder in folders.items():
        started = time.perf_counter()
        models[lang] = train(folder, progress=lambda message: None)
        if lang == language:
            figures["train_s"] = round(time.perf_counter() - started, 2)
    data = load_data(folders[language])
    figures["train_examples"] = len(data.examples)
    held = load_data(heldout).examples if heldout.is_file() else None
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for lang, model in models.items():
            paths[lang] = str(Path(tmp) / f"model-{lang}.npz")
            model.save(Path(paths[lang]))
        figures["model_mb"] = round(Path(paths[language]).stat().st_size / 1e6, 2)
        figures["models_mb"] = round(sum(Path(p).stat().st_size for p in paths.values()) / 1e6, 2)
        texts = [e.text for folder in folders.values() for e in load_data(folder).examples]
        texts += [e.text for e in held or []]
        (Path(tmp) / "texts.json").write_text(json.dumps(texts))
        (Path(tmp) / "models.json").write_text(json.dumps(paths))
        out = subprocess.run([sys.executable, __file__, "--child", str(Path(tmp) / "models.json"),
                              str(Path(tmp) / "texts.json")], capture_output=True, text=True, check=True).stdout
        figures["runtime"] = json.loads(out)
    engine = BuiltinEngine(models[language])
    routed = MultilingualEngine.from_models(models)
    keys = ("n", "intent_accuracy", "intent_macro_f1", "entity_f1", "safety_hazard_recall")
    if held is not None:
        figures["heldout_file"] = str(heldout.relative_to(ROOT) if heldout.is_relative_to(ROOT) else heldout)
        report = evaluate(routed, held, language)
        figures["heldout"] = {k: report[k] for k in (*keys, "language_n", "language_accuracy", "language_unknown")}
        figures["heldout_per_intent_f1"] = {k: v["f1"] for k, v in report["per_intent"].items()}
        report = evaluate(engine, held)
        figures["heldout_model_only"] = {k: report[k] for k in keys}
        # Short texts ("yes", "bye") recur verbatim in both files; score the unseen ones apart too.
        seen = {" ".join(e.text.lower().split()) for e in data.examples}
        novel = [e for e in held if " ".join(e.text.lower().split()) not in seen]
        report = evaluate(routed, novel)
        figures["heldout_unseen"] = {k: report[k] for k in keys}
    if args.cv:
        config = read_config(config_path(folders[language]))
        extra = background(folders[language], config)
        started = time.perf_counter()
        report = cross_validate(data, args.cv, lambda d: BuiltinEngine(train_data(d, config, lambda m: None,
                                                                                  language=language, background=extra)))
        figures["cv"] = {"folds": args.cv, **{k: report[k] for k in keys}}
        figures["cv_s"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(render(figures))


def render(f: dict) -> str:
    """Human-readable summary."""
    rt = f["runtime"]
    lines = [(f"language {f['language']} (loaded: {', '.join(f['languages'])}); training: {f['train_s']} s on "
              f"{f['train_examples']} examples ({f['cores']} cores); model {f['model_mb']} MB "
              f"(all languages {f['models_mb']} MB)"),
             (f"load: {rt['load_s']} s (imports {rt['import_s']} s); RSS {rt['rss_mb']} MB; "
              f"sklearn/scipy loaded: {rt['sklearn_or_scipy_loaded']}"),
             (f"parse (1 core, {rt['parses']} parses): p50 {rt['parse_ms']['p50']} ms, "
              f"p95 {rt['parse_ms']['p95']} ms, p99 {rt['parse_ms']['p99']} ms")]
    for key in ("heldout", "heldout_model_only", "heldout_unseen", "cv"):
        if key in f:
            r = f[key]
            lines.append(f"{key}: n={r['n']} accuracy {r['intent_accuracy']} macro-F1 {r['intent_macro_f1']} "
                         f"entity F1 {r['entity_f1']} safety recall {r['safety_hazard_recall']}")
            if r.get("language_accuracy") is not None:
                lines.append(f"  language detected {r['language_accuracy']} of {r['language_n']} messages of 3+ "
                             f"words ({r['language_unknown']} unknown)")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
