"""Train the built-in engine: tf-idf + logistic regression for intents, a perceptron for entities.

sklearn/scipy are imported here only, so a process that just parses never loads them.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import yaml

from bot.nlu.features import featurise, fit_vocabulary
from bot.nlu.language import build_profile
from bot.nlu.loader import Example, NLUDataError, TrainingData, data_files, is_language_dir, language_of, load_data
from bot.nlu.model import ENGINE_VERSION, EngineConfig, Model
from bot.nlu.rules import RuleExtractor
from bot.nlu.tagger import train_tagger

log = logging.getLogger(__name__)
Progress = Callable[[str], None]
CONFIG_KEY = "chargeline_nlu"


def config_path(data_dir: Path, config: Path | None = None) -> Path | None:
    """Return the file holding our engine settings: the given one, chargeline.yml or config.yml."""
    if config is not None:
        return config
    for name in ("chargeline.yml", "config.yml"):
        if (data_dir / name).is_file():
            return data_dir / name
    return None


def read_config(path: Path | None) -> EngineConfig:
    """Read `chargeline_nlu:` from a YAML file (defaults when absent)."""
    if path is None:
        return EngineConfig()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return EngineConfig.from_mapping((raw.get(CONFIG_KEY) or {}) if isinstance(raw, dict) else {})
    except (OSError, yaml.YAMLError, ValueError, TypeError) as exc:
        raise NLUDataError([f"{path}: {exc}"]) from exc


def root_of(data_dir: Path, config: EngineConfig) -> Path | None:
    """Return the data root whose examples a language folder also learns from (with_root_examples), or None."""
    if not config.with_root_examples or not is_language_dir(data_dir):
        return None
    return data_dir.parent


def background(data_dir: Path, config: EngineConfig) -> list[Example]:
    """Return the data root's examples when the language folder's config asks for them."""
    root = root_of(data_dir, config)
    return load_data(root).examples if root is not None else []


def data_hash(data_dir: Path, config: Path | None = None) -> str:
    """Hash the training files, the config and the engine version: the model cache key."""
    digest = hashlib.sha256(f"engine={ENGINE_VERSION}\n".encode())
    files = data_files(data_dir)
    try:
        root = root_of(data_dir, read_config(config_path(data_dir, config)))
    except NLUDataError:
        root = None  # a broken config is reported by training, with the other problems
    if root is not None:
        files.extend(data_files(root))
    path = config_path(data_dir, config)
    if path is not None and path not in files:
        files.append(path)
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def train(data_dir: Path, config: Path | None = None, progress: Progress | None = None) -> Model:
    """Train a model from every Rasa NLU YAML file in data_dir."""
    say = progress or (lambda message: log.info("%s", message))
    say(f"reading {data_dir}")
    data = load_data(data_dir)
    settings = read_config(config_path(data_dir, config))
    model = train_data(data, settings, say, language=language_of(data_dir), background=background(data_dir, settings))
    model.data_hash = data_hash(data_dir, config)
    return model


def train_data(data: TrainingData, config: EngineConfig | None = None, progress: Progress | None = None,
               language: str = "en", background: Sequence[Example] = ()) -> Model:
    """Train a model (and its language profile, from data's own examples) from already loaded training data.

    background: more examples to learn intents and entities from (the data root's, for a language folder).
    """
    from scipy.sparse import csr_matrix
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    config = config or EngineConfig()
    say = progress or (lambda message: log.info("%s", message))
    if len(data.intents) < 2:
        raise NLUDataError([f"training needs at least two intents, found {data.intents or 'none'}"])
    rules = RuleExtractor(data.synonyms, data.lookups, data.regexes)
    examples = [*data.examples, *background]
    say(f"{len(data.examples)} examples (+{len(background)} from the root), {len(data.intents)} intents: "
        "building features")
    rows = [featurise(e.text, rules.extract(e.text), config.char_min, config.char_max, config.max_chars)
            for e in examples]
    vocabulary, idf = fit_vocabulary(rows, config.min_df)
    row_ids, cols, vals = [], [], []
    for row, feats in enumerate(rows):
        idx = [vocabulary[f] for f in feats if f in vocabulary]
        tf = np.array([1.0 + np.log(feats[f]) for f in feats if f in vocabulary]) * idf[idx]
        norm = np.sqrt(tf @ tf) or 1.0
        row_ids.extend([row] * len(idx))
        cols.extend(idx)
        vals.extend(tf / norm)
    matrix = csr_matrix((vals, (row_ids, cols)), shape=(len(rows), len(vocabulary)), dtype=np.float64)
    intents = sorted({e.intent for e in examples})
    labels = np.array([intents.index(e.intent) for e in examples])
    say(f"training the intent classifier on {len(vocabulary)} features")
    # saga is an order of magnitude faster than lbfgs on these sparse, short texts
    clf = LogisticRegression(C=config.c, solver="saga", tol=1e-3, max_iter=1000, class_weight="balanced",
                             random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf.fit(matrix, labels)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        log.warning("intent classifier stopped after %d iterations before converging", clf.n_iter_[0])
    say("training the entity tagger")
    tagger = train_tagger(examples, epochs=config.tagger_epochs)
    profile = build_profile(e.text for e in data.examples)
    return Model(intents=intents, vocabulary=vocabulary, idf=idf,
                 weights=np.ascontiguousarray(clf.coef_.T, dtype=np.float32),
                 bias=clf.intercept_.astype(np.float32), tagger_weights=tagger.weights,
                 tagger_labels=tagger.labels, synonyms=dict(data.synonyms), lookups=dict(data.lookups),
                 regexes=dict(data.regexes), config=config, language=language, profile=dict(profile.grams),
                 profile_floor=profile.floor)
