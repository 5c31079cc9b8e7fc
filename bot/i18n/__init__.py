"""Driver-facing texts per language: `t(key, lang, **values)` reads bot/i18n/<lang>.yml, English as fallback.

    t("greeting.hello", "de")                      # "Hallo! Ich bin ChargeLine ..."
    t("diagnose.faulted", "de", label="Station 12")  # values fill {label}

Each catalogue is nested YAML whose leaves are str.format templates; keys are the dotted paths.
A language is a catalogue file (adding French is `fr.yml`, no code); a key missing in one falls
back to English and is listed by `chargeline i18n check`. Catalogues are read on first use.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from bot.errors import ProblemsError
from bot.yamlfile import read_yaml

log = logging.getLogger(__name__)

DEFAULT = "en"
CATALOGUES = Path(__file__).resolve().parent
_CODE = re.compile(r"^([a-z]{2,3})(?:[-_][A-Za-z0-9]+)*$")


class CatalogueError(ProblemsError):
    """A message catalogue cannot be read or is not a mapping of texts."""


def languages() -> tuple[str, ...]:
    """Return the languages that have a catalogue, English first."""
    found = sorted(p.stem for p in CATALOGUES.glob("*.yml") if _CODE.match(p.stem))
    return tuple(sorted(found, key=lambda lang: lang != DEFAULT))


def normalise(code: str | None) -> str | None:
    """Return the language of a tag ("de-AT", "de_DE", "DE") if we have a catalogue for it, else None."""
    match = _CODE.match((code or "").strip().lower().replace("_", "-"))
    if match is None:
        return None
    return match.group(1) if match.group(1) in languages() else None


def _flatten(node: Any, prefix: str, out: dict[str, str], problems: list[str], source: str) -> None:
    if isinstance(node, Mapping):
        for key, value in node.items():
            _flatten(value, f"{prefix}{key}.", out, problems, source)
    elif isinstance(node, str):
        out[prefix[:-1]] = node
    else:
        problems.append(f"{source}: {prefix[:-1]}: not a text")


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """Return one language's texts by dotted key ({} for a language without a catalogue)."""
    path = CATALOGUES / f"{lang}.yml"
    if not path.exists():
        return {}
    out: dict[str, str] = {}
    problems: list[str] = []
    _flatten(read_yaml(path, CatalogueError) or {}, "", out, problems, str(path))
    if problems:
        raise CatalogueError(problems)
    return out


def t(key: str, lang: str | None = None, /, **values: Any) -> str:
    """Return the text `key` in `lang` (English when it has none there), its {fields} filled from `values`."""
    text = catalogue(lang or DEFAULT).get(key)
    if text is None:
        text = catalogue(DEFAULT).get(key)
        if text is None:
            raise KeyError(f"no message {key!r} in the {DEFAULT} catalogue")
        log.debug("message %s has no %s translation; English used", key, lang)
    return text.format(**values) if values else text


def has(key: str, lang: str | None) -> bool:
    """Whether `lang`'s catalogue has its own text for `key`."""
    return key in catalogue(lang or DEFAULT)


def missing() -> dict[str, list[str]]:
    """Return, per language, the English keys it lacks (and keys it has that English does not)."""
    english = catalogue(DEFAULT)
    report: dict[str, list[str]] = {}
    for lang in languages():
        if lang == DEFAULT:
            continue
        own = catalogue(lang)
        gaps = [k for k in english if k not in own] + [f"{k} (not in {DEFAULT})" for k in own if k not in english]
        if gaps:
            report[lang] = gaps
    return report


__all__ = ["DEFAULT", "CatalogueError", "catalogue", "has", "languages", "missing", "normalise", "t"]
