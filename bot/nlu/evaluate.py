"""Score an engine on labelled examples: intent accuracy/F1, entity F1, safety recall, confusion."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from bot.nlu.loader import Example, TrainingData
from bot.nlu.types import SAFETY_INTENT


def evaluate(engine: Any, examples: Sequence[Example], language: str | None = None) -> dict[str, Any]:
    """Parse every example and return the metrics (keys as `chargeline nlu evaluate --json`).

    language: the examples' language; then the report also scores language detection on the messages
    of three words or more (shorter ones are meant to stay unknown).
    """
    pairs, counts, errors = _score(engine, examples)
    report = _report(pairs, counts, errors)
    if language is not None:
        report.update(language_report(engine, examples, language))
    return report


def language_report(engine: Any, examples: Sequence[Example], language: str) -> dict[str, Any]:
    """Share of messages of 3+ words whose detected language is `language` (unknown counts as wrong)."""
    long = [e for e in examples if len(e.text.split()) >= 3]
    detected = [engine.parse(e.text).detected_language for e in long]
    misses = [{"text": e.text, "detected": d} for e, d in zip(long, detected) if d != language]
    return {"language": language, "language_n": len(long),
            "language_accuracy": round(1 - len(misses) / len(long), 4) if long else None,
            "language_unknown": sum(1 for d in detected if d is None), "language_errors": misses}


def _score(engine: Any, examples: Sequence[Example]) -> tuple[list[tuple[str, str]], list[int], list[dict[str, Any]]]:
    """Return (true, predicted) intent pairs, entity [matched, predicted, annotated] counts and the errors."""
    pairs: list[tuple[str, str]] = []
    counts = [0, 0, 0]
    errors = []
    for example in examples:
        result = engine.parse(example.text)
        pairs.append((example.intent, result.intent))
        if result.intent != example.intent:
            errors.append({"text": example.text, "true": example.intent, "pred": result.intent,
                           "confidence": round(result.confidence, 4)})
        for i, n in enumerate(_entity_matches(example, result.entities)):
            counts[i] += n
    return pairs, counts, errors


def _report(pairs: list[tuple[str, str]], counts: list[int], errors: list[dict[str, Any]]) -> dict[str, Any]:
    report = intent_report(pairs)
    tp, n_pred, n_true = counts
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_true if n_true else 0.0
    report["entity_f1"] = round(_f1(precision, recall), 4)
    report["entity_precision"] = round(precision, 4)
    report["entity_recall"] = round(recall, 4)
    report["errors"] = errors
    return report


def intent_report(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Accuracy, macro F1, per-intent scores and the confusion table from (true, predicted) pairs."""
    confusion: dict[str, dict[str, int]] = defaultdict(dict)
    for true, pred in pairs:
        confusion[true][pred] = confusion[true].get(pred, 0) + 1
    support = Counter(true for true, _ in pairs)
    predicted = Counter(pred for _, pred in pairs)
    per_intent = {}
    for intent in sorted(support):
        tp = confusion[intent].get(intent, 0)
        precision = tp / predicted[intent] if predicted[intent] else 0.0
        recall = tp / support[intent]
        per_intent[intent] = {"precision": round(precision, 4), "recall": round(recall, 4),
                              "f1": round(_f1(precision, recall), 4), "support": support[intent]}
    n = len(pairs)
    correct = sum(1 for true, pred in pairs if true == pred)
    macro = sum(v["f1"] for v in per_intent.values()) / len(per_intent) if per_intent else 0.0
    safety = per_intent.get(SAFETY_INTENT)
    return {"n": n, "intent_accuracy": round(correct / n, 4) if n else 0.0, "intent_macro_f1": round(macro, 4),
            "safety_hazard_recall": safety["recall"] if safety else None,
            "per_intent": per_intent, "confusion": {k: dict(v) for k, v in sorted(confusion.items())}}


def _entity_matches(example: Example, entities: Sequence[Any]) -> tuple[int, int, int]:
    """Count entities of the right type whose span overlaps an annotated one (each used once)."""
    unused = list(example.entities)
    tp = 0
    for entity in entities:
        for ann in unused:
            if ann.entity == entity.entity and entity.start < ann.end and entity.end > ann.start:
                unused.remove(ann)
                tp += 1
                break
    return tp, len(entities), len(example.entities)


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def cross_validate(data: TrainingData, folds: int, train_fn: Callable[[TrainingData], Any],
                   seed: int = 13) -> dict[str, Any]:
    """Stratified K-fold: train on K-1 folds, score the held-back fold, pool the predictions."""
    if folds < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for example in data.examples:
        by_intent[example.intent].append(example)
    fold_of: dict[int, int] = {}
    rng = random.Random(seed)
    for intent in sorted(by_intent):
        items = by_intent[intent][:]
        rng.shuffle(items)
        for i, example in enumerate(items):
            fold_of[id(example)] = i % folds
    pairs: list[tuple[str, str]] = []
    counts = [0, 0, 0]
    errors: list[dict[str, Any]] = []
    for k in range(folds):
        train = TrainingData([e for e in data.examples if fold_of[id(e)] != k], data.synonyms, data.regexes,
                             data.lookups)
        test = [e for e in data.examples if fold_of[id(e)] == k]
        fold_pairs, fold_counts, fold_errors = _score(train_fn(train), test)
        pairs.extend(fold_pairs)
        counts = [a + b for a, b in zip(counts, fold_counts)]
        errors.extend(fold_errors)
    report = _report(pairs, counts, errors)
    report["folds"] = folds
    return report
