"""A small averaged-perceptron BIO tagger for entities learned from annotated examples."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from bot.nlu.loader import Example

_TOKEN = re.compile(r"\w+(?:[-*.'/]\w+)*|[^\w\s]")
Token = tuple[str, int, int]


def tokenise(text: str) -> list[Token]:
    """Split text into (token, start, end)."""
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


@lru_cache(maxsize=4096)
def _shape(word: str) -> str:
    shape = re.sub(r"[A-Z]", "X", re.sub(r"[a-z]", "x", re.sub(r"\d", "d", word)))
    return re.sub(r"(.)\1+", r"\1\1", shape)


def _static_features(words: list[str], i: int) -> list[str]:
    """The features of token i that do not depend on the previous tag."""
    w = words[i].lower()
    p1 = words[i - 1].lower() if i > 0 else "<s>"
    p2 = words[i - 2].lower() if i > 1 else "<s>"
    n1 = words[i + 1].lower() if i + 1 < len(words) else "</s>"
    n2 = words[i + 2].lower() if i + 2 < len(words) else "</s>"
    return ["b", "w=" + w, "s3=" + w[-3:], "p3=" + w[:3], "sh=" + _shape(words[i]), "p1=" + p1, "p2=" + p2,
            "n1=" + n1, "n2=" + n2, "p1+w=" + p1 + " " + w, "w+n1=" + w + " " + n1]


def _tag_features(word: str, prev_tag: str) -> list[str]:
    return ["t=" + prev_tag, "t+w=" + prev_tag + word.lower()]


def _features(words: list[str], i: int, prev_tag: str) -> list[str]:
    return _static_features(words, i) + _tag_features(words[i], prev_tag)


def bio_labels(example: Example, tokens: list[Token]) -> list[str]:
    """Label each token B-entity / I-entity / O from the example's annotations."""
    labels = ["O"] * len(tokens)
    for ann in example.entities:
        inside = [i for i, (_, s, e) in enumerate(tokens) if s >= ann.start and e <= ann.end]
        for k, i in enumerate(inside):
            labels[i] = ("B-" if k == 0 else "I-") + ann.entity
    return labels


class Tagger:
    """Greedy left-to-right tagger; weights are feature -> {label: weight}."""

    def __init__(self, weights: dict[str, dict[str, float]], labels: Sequence[str]) -> None:
        self.weights = weights
        self.labels = list(labels)
        self._table: tuple[dict[str, int], np.ndarray, np.ndarray] | None = None  # built on first use
        self._outside: int | None = None

    def tag(self, text: str) -> list[tuple[str, int, int]]:
        """Return (entity, start, end) spans found in text (the same tags `_best` picks, token by token)."""
        tokens = tokenise(text)
        if not tokens:
            return []
        words = [t[0] for t in tokens]
        rows, weight, present = self._table or self._compile()
        blank = len(weight) - 1
        # the tag-independent features of all tokens in one gather; only the two tag features stay in the loop
        static = np.array([[rows.get(f, blank) for f in _static_features(words, i)] for i in range(len(words))])
        base, seen = weight[static].sum(axis=1), present[static].any(axis=1)
        outside = self._outside
        tags, prev = [], "O"
        for i, word in enumerate(words):
            t1, t2 = (rows.get(f, blank) for f in _tag_features(word, prev))
            scores = base[i] + weight[t1] + weight[t2]
            known = seen[i] | present[t1] | present[t2]
            top = scores[outside] if outside is not None and known[outside] else 0.0
            scores = np.where(known, scores, -np.inf)
            best = int(scores.argmax())
            prev = self.labels[best] if scores[best] > top else "O"
            tags.append(prev)
        return _spans(tokens, tags)

    def _compile(self) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
        """Turn the weights into a dense (feature x label) table once; the last row stands for unknown features."""
        column = {label: j for j, label in enumerate(self.labels)}
        rows = {feat: i for i, feat in enumerate(self.weights)}
        weight = np.zeros((len(rows) + 1, len(self.labels)))
        present = np.zeros(weight.shape, dtype=bool)
        for feat, i in rows.items():
            for label, value in self.weights[feat].items():
                weight[i, column[label]] = value
                present[i, column[label]] = True
        self._outside = column.get("O")
        self._table = (rows, weight, present)
        return self._table

    def _best(self, feats: list[str]) -> str:
        scores: dict[str, float] = {}
        weights = self.weights
        for feat in feats:
            row = weights.get(feat)
            if row:
                for label, weight in row.items():
                    scores[label] = scores.get(label, 0.0) + weight
        best, top = "O", scores.get("O", 0.0)
        for label, score in scores.items():
            if score > top:
                best, top = label, score
        return best


def _spans(tokens: list[Token], tags: list[str]) -> list[tuple[str, int, int]]:
    spans: list[tuple[str, int, int]] = []
    for (_, start, end), tag in zip(tokens, tags):
        if tag.startswith("I-") and spans and spans[-1][0] == tag[2:] and _adjacent(spans[-1], start):
            spans[-1] = (spans[-1][0], spans[-1][1], end)
        elif tag != "O":
            spans.append((tag[2:], start, end))
    return spans


def _adjacent(span: tuple[str, int, int], start: int) -> bool:
    return start - span[2] <= 1


def train_tagger(examples: Sequence[Example], epochs: int = 8, seed: int = 7) -> Tagger:
    """Train an averaged perceptron on the annotated examples."""
    data = []
    for example in examples:
        tokens = tokenise(example.text)
        if tokens:
            data.append(([t[0] for t in tokens], bio_labels(example, tokens)))
    labels = sorted({label for _, tags in data for label in tags} | {"O"})
    weights: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    totals: dict[tuple[str, str], float] = defaultdict(float)
    stamps: dict[tuple[str, str], int] = defaultdict(int)
    step = 0
    rng = random.Random(seed)
    model = Tagger(weights, labels)  # type: ignore[arg-type]
    for _ in range(epochs):
        rng.shuffle(data)
        for words, gold in data:
            prev = "O"
            for i, truth in enumerate(gold):
                step += 1
                feats = _features(words, i, prev)
                guess = model._best(feats)
                if guess != truth:
                    for feat in feats:
                        for label, delta in ((truth, 1.0), (guess, -1.0)):
                            key = (feat, label)
                            totals[key] += (step - stamps[key]) * weights[feat][label]
                            stamps[key] = step
                            weights[feat][label] += delta
                prev = truth
    averaged: dict[str, dict[str, float]] = {}
    for feat, row in weights.items():
        for label, weight in row.items():
            key = (feat, label)
            total = totals[key] + (step - stamps[key]) * weight
            value = round(total / max(step, 1), 4)
            if value:
                averaged.setdefault(feat, {})[label] = value
    return Tagger(averaged, labels)
