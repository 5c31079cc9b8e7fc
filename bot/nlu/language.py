"""Which language one driver message is in: naive Bayes over character n-grams, learned from our own data.

Each language's profile (log-probabilities of its word and character n-grams) is built from that
language's training examples and saved inside its model, so adding French or Dutch is data only:
a `nlu_data/fr/` folder trains a French model whose profile joins the detector. Short replies
("ja", "ok", "1", "yes") and codes ("CP-1042") are `None`: the conversation keeps its language.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")
_CODE = re.compile(r"\S*\d\S*")  # charger ids, amounts, times: the same in every language
MIN_WORDS = 2  # fewer words than this and fewer than MIN_LETTERS letters: too short to tell
MIN_LETTERS = 10
MIN_CONFIDENCE = 0.8  # below this the answer is "unknown"
_SHARPNESS = 3.0  # mean per-feature log-likelihood gap -> posterior (calibrated on the dev sets)
_MAX_GRAMS = 30_000  # profile entries kept per language
_SMOOTHING = 0.5
MAX_CHARS = 300  # the opening of a long message tells its language as well as all of it


@dataclass(frozen=True)
class Detection:
    """The language a text is in (None: too short or unsure) and how sure the detector is."""

    language: str | None
    confidence: float
    scores: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Profile:
    """One language's feature log-probabilities and the log-probability of an unseen feature."""

    grams: Mapping[str, float]
    floor: float


def features(text: str) -> list[str]:
    """Return the words and in-word character 2-4-grams the detector reads (digits and codes dropped)."""
    found: list[str] = []
    for word in _WORD.findall(_CODE.sub(" ", text.lower())):
        found.append("w:" + word)
        padded = f" {word} "
        for n in (2, 3, 4):
            found.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    return found


def build_profile(texts: Iterable[str], max_grams: int = _MAX_GRAMS) -> Profile:
    """Count the features of one language's texts into a smoothed log-probability table."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(features(text))
    kept = dict(counts.most_common(max_grams))
    total = sum(kept.values()) + _SMOOTHING * (len(kept) + 1)
    grams = {g: round(math.log((c + _SMOOTHING) / total), 4) for g, c in kept.items()}
    return Profile(grams, round(math.log(_SMOOTHING / total), 4))


class LanguageDetector:
    """Pick the language whose profile explains a text best, or None when it is too short or close."""

    def __init__(self, profiles: Mapping[str, Profile], *, min_confidence: float = MIN_CONFIDENCE) -> None:
        self.profiles = dict(profiles)
        self.min_confidence = min_confidence
        # one row per feature for all languages: its log-probability minus the language's floor (unseen: 0)
        self._langs = tuple(self.profiles)
        self._floors = np.array([p.floor for p in self.profiles.values()])
        grams = sorted({g for p in self.profiles.values() for g in p.grams})
        self._index = {gram: i for i, gram in enumerate(grams)}
        self._gain = np.zeros((len(grams) + 1, len(self._langs)))  # the last row stands for unseen features
        for j, profile in enumerate(self.profiles.values()):
            for gram, logp in profile.grams.items():
                self._gain[self._index[gram], j] = logp - profile.floor

    @property
    def languages(self) -> tuple[str, ...]:
        """Return the languages this detector knows."""
        return tuple(sorted(self.profiles))

    def detect(self, text: str) -> Detection:
        """Return the text's language with a confidence; None below MIN_WORDS/MIN_LETTERS or MIN_CONFIDENCE."""
        feats = features((text if isinstance(text, str) else str(text))[:MAX_CHARS])
        words = [f for f in feats if f.startswith("w:")]
        if not self.profiles or not words:
            return Detection(None, 0.0)
        unseen = len(self._gain) - 1
        rows = np.fromiter((self._index.get(f, unseen) for f in feats), dtype=np.int64, count=len(feats))
        totals = self._gain[rows].sum(axis=0) / len(feats) + self._floors
        means = dict(zip(self._langs, totals.tolist()))
        top = max(means.values())
        weights = {lang: math.exp(_SHARPNESS * (m - top)) for lang, m in means.items()}
        total = sum(weights.values())
        scores = tuple(sorted(((lang, round(w / total, 4)) for lang, w in weights.items()), key=lambda s: -s[1]))
        best, confidence = scores[0]
        letters = sum(len(w) - 2 for w in words)
        if len(words) < MIN_WORDS and letters < MIN_LETTERS:
            return Detection(None, 0.0, scores)  # too short: the scores are kept, but no confidence claimed
        if len(self.profiles) > 1 and confidence < self.min_confidence:
            return Detection(None, confidence, scores)
        return Detection(best, confidence, scores)


@lru_cache(maxsize=1)
def _packaged() -> LanguageDetector:
    """Build the detector from the checkout's nlu_data/ (each language folder's examples), once."""
    from bot.nlu.loader import language_dirs, load_data

    root = Path(__file__).resolve().parents[2] / "nlu_data"
    return LanguageDetector({lang: build_profile(e.text for e in load_data(folder).examples)
                             for lang, folder in language_dirs(root).items()})


def detect(text: str, detector: LanguageDetector | None = None) -> Detection:
    """Return the language of one message (from the packaged training data unless a detector is given)."""
    return (detector or _packaged()).detect(text)
