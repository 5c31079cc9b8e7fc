"""Text to sparse features: words, word bigrams and character n-grams inside word boundaries.

Pure Python and numpy so that a process that only parses never imports scipy or sklearn.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")
_DIGIT = re.compile(r"\d")
_FILLERS = frozenset({"uh", "um", "er", "erm", "uhm", "umm", "ah", "eh"})
# "doesn't", "doesn’t" and "doesnt" are one word to a driver: drop the apostrophe inside words
_APOSTROPHE = re.compile(r"(?<=[a-z])['\u2019\u2018`\u00b4](?=[a-z])")
_CAPITALISED = re.compile(r"[A-Z][a-z]")


def clean(text: str, max_chars: int) -> str:
    """Lower-case, fold accents, join contractions, map digits to 0 and cut very long input."""
    text = unicodedata.normalize("NFKD", text[:max_chars].lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _DIGIT.sub("0", _APOSTROPHE.sub("", text))


def words(text: str, max_chars: int = 1000) -> list[str]:
    """Return the word tokens the classifier sees."""
    return _WORD.findall(clean(text, max_chars))


def extract(text: str, char_min: int = 2, char_max: int = 5, max_chars: int = 1000) -> Counter[str]:
    """Count the features of one text."""
    tokens = words(text, max_chars)
    feats: Counter[str] = Counter()
    for i, word in enumerate(tokens):
        feats["w:" + word] += 1
        if i:
            feats["b:" + tokens[i - 1] + " " + word] += 1
        padded = f" {word} "
        for n in range(char_min, char_max + 1):
            for j in range(len(padded) - n + 1):
                feats["c:" + padded[j:j + n]] += 1
    return feats


def featurise(text: str, entities: Sequence[Any], char_min: int = 2, char_max: int = 5,
              max_chars: int = 1000) -> Counter[str]:
    """Text features plus which entity types the rules found, a length bucket and the opening words.

    "contactless" alone answers a question (inform); "can i pay contactless" asks one: the
    entity-only and length features let the classifier tell them apart. The first one and two
    words (fillers skipped) mark the kind of message: "how do i ..." asks, "why is ..." complains.
    The shape of the raw text says what lower-casing hides: capitalised words after the first
    ("Gretna Green", "Schiphol P3") are names, an answer; a text without letters is no request.
    """
    feats = extract(text, char_min, char_max, max_chars)
    for entity in entities:
        feats["e:" + entity.entity] += 1
    covered = sum(e.end - e.start for e in entities)
    if entities and covered > 0.6 * max(len(text.strip()), 1):
        feats["e:only"] += 1
        feats["e:only:" + entities[0].entity] += 1
    tokens = words(text, max_chars)
    feats[f"len:{min(len(tokens), 6)}"] += 1
    masked = text
    for entity in sorted(entities, key=lambda e: -e.start):  # "CCS" opens with an entity, not a word
        masked = f"{masked[:entity.start]} {entity.entity.replace('_', '')} {masked[entity.end:]}"
    opening = [t for t in words(masked, max_chars) if t not in _FILLERS][:2]
    if opening:
        feats["f:" + opening[0]] += 1
        feats["f:" + " ".join(opening)] += 1
    feats.update(_shape(text[:max_chars]))
    return feats


def _shape(text: str) -> Counter[str]:
    """Word-shape features of the raw text: names, letter-digit codes, no letters at all."""
    shape: Counter[str] = Counter()
    raw = text.split()
    names = sum(1 for word in raw[1:] if _CAPITALISED.match(word))
    if names:
        shape["s:name"] += 1
    if names >= 2:
        shape["s:names"] += 1
    if any(any(c.isdigit() for c in word) and any(c.isalpha() for c in word) for word in raw):
        shape["s:code"] += 1
    if not any(c.isalpha() for c in text):
        shape["s:noletters"] += 1
    return shape


class Vectoriser:
    """Sublinear tf-idf over a fixed vocabulary, L2-normalised, as index/value arrays."""

    def __init__(self, vocabulary: Mapping[str, int], idf: Sequence[float] | np.ndarray,
                 char_min: int = 2, char_max: int = 5, max_chars: int = 1000) -> None:
        self.vocabulary = vocabulary
        self.idf = np.asarray(idf, dtype=np.float32)
        self.char_min, self.char_max, self.max_chars = char_min, char_max, max_chars

    def transform(self, feats: Counter[str]) -> tuple[np.ndarray, np.ndarray, float]:
        """Return (indices, values, share of the text's features that are known)."""
        idx, tf = [], []
        for feat, count in feats.items():
            i = self.vocabulary.get(feat)
            if i is not None:
                idx.append(i)
                tf.append(1.0 + math.log(count) if count > 1 else 1.0)
        known = len(idx) / len(feats) if feats else 0.0
        indices = np.fromiter(idx, dtype=np.int64, count=len(idx))
        values = np.fromiter(tf, dtype=np.float32, count=len(tf)) * self.idf[indices]
        norm = float(np.sqrt(values @ values))
        return indices, values / norm if norm else values, known


def fit_vocabulary(rows: Sequence[Counter[str]], min_df: int = 1) -> tuple[dict[str, int], np.ndarray]:
    """Build the vocabulary and smooth idf weights from the training texts' features."""
    df: Counter[str] = Counter()
    for feats in rows:
        df.update(feats.keys())
    kept = sorted(f for f, c in df.items() if c >= min_df)
    vocabulary = {f: i for i, f in enumerate(kept)}
    n = len(rows)
    idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in kept], dtype=np.float32)
    return vocabulary, idf
