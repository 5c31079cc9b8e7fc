"""Guides in other languages: `guides/<lang>/*.yaml` hold a guide's title and texts by id; the rest is the English one's.

A guide without a translation in the driver's language is given in English (`translated` returns it unchanged);
`missing_translations` lists them for `chargeline i18n check`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path

from bot.knowledge.loader import PACKAGE_DIR
from bot.knowledge.model import Guide, KnowledgeFileError, Variants
from bot.yamlfile import read_yaml

FIELDS = ("title", "chat", "sms", "voice")


@cache
def translations(root: Path = PACKAGE_DIR) -> Mapping[str, Mapping[str, Mapping[str, str]]]:
    """Return {language: {guide id: {field: text}}} from guides/<language>/*.yaml under `root`."""
    found: dict[str, dict[str, dict[str, str]]] = {}
    problems: list[str] = []
    for folder in sorted(p for p in (root / "guides").iterdir() if p.is_dir() and len(p.name) in (2, 3)):
        for file in sorted(folder.glob("*.y*ml")):
            data = read_yaml(file, KnowledgeFileError) or {}
            for guide_id, texts in (data.get("guides") or {}).items():
                if not isinstance(texts, Mapping) or not all(isinstance(texts.get(f, ""), str) for f in FIELDS):
                    problems.append(f"{file}: guide {guide_id!r}: title, chat, sms and voice must be texts")
                    continue
                found.setdefault(folder.name, {})[str(guide_id)] = {f: str(texts[f]).strip() for f in FIELDS
                                                                     if texts.get(f)}
    if problems:
        raise KnowledgeFileError(problems)
    return found


def translated(guide: Guide, lang: str | None) -> Guide:
    """The guide with its title and texts in `lang` where they are translated (else the English ones)."""
    texts = translations().get(lang or "", {}).get(guide.id)
    if not texts:
        return guide
    variants = Variants(chat=texts.get("chat", guide.variants.chat), sms=texts.get("sms", guide.variants.sms),
                        voice=texts.get("voice", guide.variants.voice))
    return replace(guide, title=texts.get("title", guide.title), variants=variants)


def missing_translations(guides: list[Guide], lang: str) -> list[str]:
    """The ids of guides with no `lang` translation, and ids translated that no guide has."""
    have = translations().get(lang, {})
    ids = {g.id for g in guides}
    return [g.id for g in guides if g.id not in have] + [f"{i} (no such guide)" for i in have if i not in ids]
