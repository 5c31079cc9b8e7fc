"""`chargeline i18n check`: list the texts a language lacks (they are said in English) and broken placeholders."""

from __future__ import annotations

import string

import click

from bot.i18n import DEFAULT, catalogue, languages, missing


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def placeholder_problems() -> dict[str, list[str]]:
    """Return, per language, the keys whose {fields} differ from the English text's (they would fail to fill)."""
    english = catalogue(DEFAULT)
    report: dict[str, list[str]] = {}
    for lang in languages():
        own = catalogue(lang)
        bad = [f"{key}: has {sorted(_fields(own[key]))}, English has {sorted(_fields(text))}"
               for key, text in english.items() if key in own and _fields(own[key]) != _fields(text)]
        if bad:
            report[lang] = bad
    return report


@click.group("i18n")
def i18n_group() -> None:
    """Message catalogues (bot/i18n/<language>.yml)."""


@i18n_group.command("check")
def check_command() -> None:
    """List every text missing in a language (said in English there) or with other {fields}; exit 1 if any."""
    gaps, broken = missing(), placeholder_problems()
    for lang in languages():
        count = len(catalogue(lang))
        if lang not in gaps and lang not in broken:
            click.echo(f"{lang}: {count} texts, complete")
            continue
        click.echo(f"{lang}: {count} texts, {len(gaps.get(lang, []))} missing (said in English), "
                   f"{len(broken.get(lang, []))} with other placeholders")
        for key in gaps.get(lang, []):
            click.echo(f"  missing {key}")
        for line in broken.get(lang, []):
            click.echo(f"  placeholders {line}")
    _guides()
    if gaps or broken:
        raise SystemExit(1)


def _guides() -> None:
    """List the knowledge-base guides each language gives in English (information: they do not fail the check)."""
    from bot.knowledge import load_knowledge
    from bot.knowledge.translations import missing_translations

    guides = list(load_knowledge().guides)
    for lang in languages():
        if lang == DEFAULT:
            continue
        untranslated = missing_translations(guides, lang)
        click.echo(f"{lang} guides: {len(guides) - len(untranslated)} of {len(guides)} translated; in English: "
                   + (", ".join(untranslated) or "none"))


def register(group: click.Group) -> None:
    """Add `i18n` to the `chargeline` group."""
    group.add_command(i18n_group)
