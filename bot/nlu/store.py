"""Find the training data, and load the cached model or train and cache it."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from bot.config import Settings
from bot.errors import NLUUnavailable
from bot.nlu.loader import NLUDataError, language_dirs, language_of
from bot.nlu.model import Model, load_model
from bot.nlu.router import MultilingualEngine
from bot.nlu.train import Progress, data_hash, train

log = logging.getLogger(__name__)
# The source checkout's nlu_data/; CHARGELINE_NLU_DATA points elsewhere.
PACKAGED_DATA = Path(__file__).resolve().parents[2] / "nlu_data"


def data_dir_for(settings: Settings) -> Path:
    """Return the folder the model is trained from."""
    override = settings.nlu_data_dir
    return Path(override).expanduser() if override else PACKAGED_DATA


def model_path(settings: Settings, data_dir: Path | None = None) -> Path:
    """Return where the model for the current data and config is cached."""
    source = data_dir or data_dir_for(settings)
    return Path(settings.data_dir) / "models" / f"nlu-{language_of(source)}-{data_hash(source)[:16]}.npz"


def cached_model(settings: Settings, *, data_dir: Path | None = None, train_if_missing: bool = True,
                 force: bool = False, progress: Progress | None = None) -> tuple[Model, Path, bool]:
    """Return (model, its path, whether it was trained now)."""
    source = data_dir or data_dir_for(settings)
    if not source.exists():
        raise NLUUnavailable(f"NLU training data {source} does not exist (set CHARGELINE_NLU_DATA)")
    path = model_path(settings, source)
    if path.is_file() and not force:
        try:
            started = time.perf_counter()
            model = load_model(path)
            log.info("NLU model %s loaded in %.0f ms", path.name, (time.perf_counter() - started) * 1000)
            return model, path, False
        except ValueError as exc:
            log.warning("cached NLU model unusable, retraining: %s", exc)
    if not train_if_missing and not force:
        raise NLUUnavailable(f"no trained NLU model for {source} (run `chargeline nlu train`)")
    started = time.perf_counter()
    try:
        model = train(source, progress=progress)
    except NLUDataError as exc:
        raise NLUUnavailable(f"cannot train the NLU from {source}:\n{exc}") from exc
    model.save(path)
    log.info("NLU model trained in %.1f s and saved to %s", time.perf_counter() - started, path)
    return model, path, True


def cached_models(settings: Settings, *, data_dir: Path | None = None, train_if_missing: bool = True,
                  force: bool = False, progress: Progress | None = None) -> dict[str, tuple[Model, Path, bool]]:
    """Return {language: (model, path, trained now)} for the root folder and each language subfolder."""
    root = data_dir or data_dir_for(settings)
    if not root.exists():
        raise NLUUnavailable(f"NLU training data {root} does not exist (set CHARGELINE_NLU_DATA)")
    return {lang: cached_model(settings, data_dir=folder, train_if_missing=train_if_missing, force=force,
                               progress=progress)
            for lang, folder in language_dirs(root).items()}


def load_builtin(settings: Settings, *, train_if_missing: bool = True,
                 language: str | None = None) -> MultilingualEngine:
    """Return the built-in engine on every language's cached (or freshly trained) model.

    language: the default for messages whose language cannot be told and that come without a hint.
    """
    models = {lang: model for lang, (model, _, _) in cached_models(settings, train_if_missing=train_if_missing).items()}
    log.info("NLU languages loaded: %s", ", ".join(models))
    return MultilingualEngine.from_models(models, default=language)
