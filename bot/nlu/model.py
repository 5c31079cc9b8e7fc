"""A trained model: exported weights (numpy) plus rules, saved as one `.npz` file."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ENGINE_VERSION = "8"


@dataclass(frozen=True)
class EngineConfig:
    """Settings of the built-in engine (read from `chargeline_nlu:` in the config file)."""

    fallback_threshold: float = 0.2
    min_known: float = 0.4  # below this share of known features the text is out of domain
    c: float = 30.0
    char_min: int = 2
    char_max: int = 5
    min_df: int = 1
    max_chars: int = 1000
    tagger_epochs: int = 6
    safety_confidence: float = 0.9
    # a language folder (nlu_data/de/) also learns from the data root's examples: brand names, codes and
    # English words German drivers use; its own examples alone define its language profile
    with_root_examples: bool = False

    @classmethod
    def from_mapping(cls, raw: dict[str, Any]) -> EngineConfig:
        """Build from a mapping, refusing unknown keys so typos do not pass silently."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"unknown chargeline_nlu settings: {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        return cls(**raw)


@dataclass
class Model:
    """Everything the parser needs, in plain arrays and JSON-able tables."""

    intents: list[str]
    vocabulary: dict[str, int]
    idf: np.ndarray
    weights: np.ndarray  # (n_features, n_intents), float32
    bias: np.ndarray  # (n_intents,)
    tagger_weights: dict[str, dict[str, float]]
    tagger_labels: list[str]
    synonyms: dict[str, str] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)
    config: EngineConfig = field(default_factory=EngineConfig)
    data_hash: str = ""
    language: str = "en"
    profile: dict[str, float] = field(default_factory=dict)  # language detection: feature -> log-probability
    profile_floor: float = -20.0  # log-probability of a feature the profile has not seen

    def save(self, path: Path) -> None:
        """Write the model to one `.npz` file (atomically, so readers never see half a model)."""
        meta = {"engine_version": ENGINE_VERSION, "intents": self.intents, "vocabulary": self.vocabulary,
                "tagger_weights": self.tagger_weights, "tagger_labels": self.tagger_labels,
                "synonyms": self.synonyms, "lookups": self.lookups, "regexes": self.regexes,
                "config": self.config.__dict__, "data_hash": self.data_hash,
                "language": self.language, "profile": self.profile, "profile_floor": self.profile_floor}
        blob = np.frombuffer(json.dumps(meta, separators=(",", ":")).encode(), dtype=np.uint8)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # two workers may train at once
        with tmp.open("wb") as fh:
            np.savez_compressed(fh, idf=self.idf, weights=self.weights, bias=self.bias, meta=blob)
        tmp.replace(path)


def load_model(path: Path) -> Model:
    """Read a model written by `Model.save`; raise ValueError if it is not one."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(archive["meta"].tobytes().decode())
            idf, weights, bias = archive["idf"], archive["weights"], archive["bias"]
    except (OSError, KeyError, ValueError) as exc:
        raise ValueError(f"{path}: not a ChargeLine NLU model ({exc})") from exc
    if meta.get("engine_version") != ENGINE_VERSION:
        raise ValueError(f"{path}: model from engine version {meta.get('engine_version')}, need {ENGINE_VERSION}")
    return Model(intents=meta["intents"], vocabulary=meta["vocabulary"], idf=idf, weights=weights, bias=bias,
                 tagger_weights=meta["tagger_weights"], tagger_labels=meta["tagger_labels"],
                 synonyms=meta["synonyms"], lookups=meta["lookups"], regexes=meta["regexes"],
                 config=EngineConfig(**meta["config"]), data_hash=meta["data_hash"], language=meta["language"],
                 profile=meta["profile"], profile_floor=meta["profile_floor"])
