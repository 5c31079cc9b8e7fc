"""Read Rasa NLU YAML (3.x): intents with inline entities, synonyms, regexes, lookups."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.errors import ProblemsError

# a data folder's subfolder with a language code for a name is another language's model
_LANGUAGE_DIR = re.compile(r"^[a-z]{2}$")
DEFAULT_LANGUAGE = "en"
# [text](entity), [text](entity:value), [text]{"entity": ..., "value": ...}
_ANNOTATION = re.compile(r"\[(?P<text>[^\[\]]+)\](?:\((?P<name>[^()]*)\)|(?P<json>\{[^{}]*\}))")


class NLUDataError(ProblemsError):
    """NLU training data is malformed; each problem names the file and line."""


@dataclass(frozen=True)
class Annotation:
    """An entity annotated in a training example, with character offsets in the plain text."""

    entity: str
    start: int
    end: int
    value: str


@dataclass(frozen=True)
class Example:
    """One training or test utterance."""

    text: str
    intent: str
    entities: tuple[Annotation, ...] = ()
    source: str = ""


@dataclass
class TrainingData:
    """Everything read from a folder (or one file) of Rasa NLU YAML."""

    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # lower-cased variant -> canonical value
    regexes: dict[str, list[str]] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        """Return the intent names, sorted."""
        return sorted({e.intent for e in self.examples})

    def extend(self, other: TrainingData) -> None:
        """Add another file's data to this one."""
        self.examples.extend(other.examples)
        self.synonyms.update(other.synonyms)
        for table, source in ((self.regexes, other.regexes), (self.lookups, other.lookups)):
            for name, items in source.items():
                table.setdefault(name, []).extend(items)


def parse_example(line: str) -> tuple[str, tuple[Annotation, ...]]:
    """Strip inline annotations from one example; raise ValueError on a malformed one."""
    parts: list[str] = []
    annotations: list[Annotation] = []
    cursor, length = 0, 0
    for match in _ANNOTATION.finditer(line):
        before = line[cursor:match.start()]
        parts.append(before)
        length += len(before)
        surface = match.group("text")
        name, value = _annotation_target(match)
        annotations.append(Annotation(name, length, length + len(surface), value or surface))
        parts.append(surface)
        length += len(surface)
        cursor = match.end()
    parts.append(line[cursor:])
    text = "".join(parts)
    if re.search(r"\]\(|\]\{", text):
        raise ValueError(f"malformed entity annotation in {line!r}")
    return text, tuple(annotations)


def _annotation_target(match: re.Match[str]) -> tuple[str, str | None]:
    if match.group("json") is not None:
        try:
            spec = json.loads(match.group("json"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"entity annotation {match.group(0)!r} is not valid JSON ({exc.msg})") from None
        if not isinstance(spec, dict) or not isinstance(spec.get("entity"), str) or not spec["entity"]:
            raise ValueError(f"entity annotation {match.group(0)!r} needs an \"entity\" name")
        value = spec.get("value")
        return spec["entity"], None if value is None else str(value)
    name, _, value = (match.group("name") or "").partition(":")
    if not name.strip():
        raise ValueError(f"entity annotation {match.group(0)!r} has no entity name")
    return name.strip(), value.strip() or None


def load_file(path: Path) -> TrainingData | None:
    """Read one YAML file; return None when it holds no `nlu:` section (e.g. config.yml)."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise NLUDataError([f"{path}:{line}: invalid YAML: {exc.problem}"]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise NLUDataError([f"{path}: cannot read: {exc}"]) from exc
    if not isinstance(root, yaml.MappingNode):
        return None
    nlu = next((v for k, v in root.value if k.value == "nlu"), None)
    if nlu is None:
        return None
    problems: list[str] = []
    data = TrainingData()
    if not isinstance(nlu, yaml.SequenceNode):
        raise NLUDataError([f"{path}:{nlu.start_mark.line + 1}: `nlu:` must be a list of blocks"])
    for block in nlu.value:
        try:
            _read_block(path, block, data)
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise NLUDataError(problems)
    return data


def _read_block(path: Path, block: yaml.Node, data: TrainingData) -> None:
    where = f"{path}:{block.start_mark.line + 1}"
    if not isinstance(block, yaml.MappingNode):
        raise ValueError(f"{where}: each `nlu:` item must be a mapping (intent, synonym, regex or lookup)")  # noqa: TRY004 (a data error, reported with the others)
    fields = {k.value: v for k, v in block.value}
    kind = next((k for k in ("intent", "synonym", "regex", "lookup") if k in fields), None)
    if kind is None:
        raise ValueError(f"{where}: block has none of intent, synonym, regex, lookup")
    name = fields[kind]
    if not isinstance(name, yaml.ScalarNode) or not str(name.value).strip():
        raise ValueError(f"{where}: `{kind}:` needs a name")
    if "examples" not in fields:
        raise ValueError(f"{where}: {kind} {name.value!r} has no `examples:`")
    lines = list(_example_lines(path, fields["examples"]))
    for line_no, line in lines:
        if kind == "intent":
            try:
                text, entities = parse_example(line)
            except ValueError as exc:
                raise ValueError(f"{path}:{line_no}: {exc}") from None
            data.examples.append(Example(text, name.value, entities, f"{path.name}:{line_no}"))
        elif kind == "synonym":
            data.synonyms[line.lower()] = name.value
        elif kind == "regex":
            try:
                re.compile(line)
            except re.error as exc:
                raise ValueError(f"{path}:{line_no}: regex {line!r} does not compile: {exc}") from None
            data.regexes.setdefault(name.value, []).append(line)
        else:
            data.lookups.setdefault(name.value, []).append(line)


def _example_lines(path: Path, node: yaml.Node) -> Iterable[tuple[int, str]]:
    """Yield (line number, text) for `examples: |` blocks and list forms."""
    if isinstance(node, yaml.ScalarNode):
        # A `|` block starts on the line after its indicator.
        first = node.start_mark.line + (1 if node.style in ("|", ">") else 0)
        for offset, raw in enumerate(str(node.value).splitlines()):
            stripped = raw.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if not stripped.startswith("- "):
                raise ValueError(f"{path}:{first + offset + 1}: example {stripped!r} must start with '- '")
            yield first + offset + 1, stripped[2:].strip()
        return
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.MappingNode):
                item = next((v for k, v in item.value if k.value == "text"), None) or item
            if not isinstance(item, yaml.ScalarNode):
                raise ValueError(f"{path}:{item.start_mark.line + 1}: example must be text")  # noqa: TRY004
            yield item.start_mark.line + 1, str(item.value).strip()
        return
    raise ValueError(f"{path}:{node.start_mark.line + 1}: `examples:` must be a `|` block or a list")


def load_data(source: Path) -> TrainingData:
    """Read one file, or every `*.yml`/`*.yaml` file under a folder, collecting all problems."""
    if not source.exists():
        raise NLUDataError([f"{source}: no such file or folder"])
    paths = data_files(source)
    data, problems = TrainingData(), []
    for path in paths:
        try:
            part = load_file(path)
        except NLUDataError as exc:
            problems.extend(exc.problems)
            continue
        if part is not None:
            data.extend(part)
    if problems:
        raise NLUDataError(problems)
    return data


def data_files(source: Path) -> list[Path]:
    """Return the YAML files (in subfolders too) whose content defines a model trained from `source`.

    A subfolder named like a language code (`de/`, `fr/`) holds another language's model and is skipped.
    """
    if source.is_file():
        return [source]
    return sorted(p for p in [*source.rglob("*.yml"), *source.rglob("*.yaml")]
                  if not any(_LANGUAGE_DIR.match(part) for part in p.relative_to(source).parts[:-1]))


def language_of(folder: Path, default: str = DEFAULT_LANGUAGE) -> str:
    """Return the `language:` of a data folder's Rasa config.yml (default when absent)."""
    config = folder / "config.yml"
    if folder.is_dir() and config.is_file():
        try:
            raw = yaml.safe_load(config.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise NLUDataError([f"{config}: {exc}"]) from exc
        if isinstance(raw, dict) and isinstance(raw.get("language"), str):
            return raw["language"].strip().lower()
    return default


def is_language_dir(folder: Path) -> bool:
    """Tell whether a folder is a language subfolder of a data root (`de/`, `fr/`)."""
    return folder.is_dir() and bool(_LANGUAGE_DIR.match(folder.name))


def language_dirs(root: Path) -> dict[str, Path]:
    """Return {language: folder}: the root's own language, then one per language subfolder (`de/`, `fr/`)."""
    found = {language_of(root): root}
    if root.is_dir():
        for sub in sorted(root.iterdir()):
            if sub.is_dir() and _LANGUAGE_DIR.match(sub.name):
                found[language_of(sub, sub.name)] = sub
    return found
