"""Read a YAML file whose mappings remember their lines, so validation errors can name them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping that knows the line it starts on and the line of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader whose mappings are LineDicts (on libyaml's parser where built: ~10x faster)."""


def _construct(loader: _LineLoader, node: yaml.MappingNode) -> Any:
    data = LineDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {str(key.value): key.start_mark.line + 1 for key, _ in node.value}
    yield data
    data.update(loader.construct_mapping(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct)


def read_yaml(path: Path, error: Callable[[Sequence[str]], Exception]) -> Any:
    """Parse a YAML file; unreadable files and syntax errors raise `error([one line naming file:line])`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error([f"{path}: cannot read: {exc.strerror}"]) from exc
    except UnicodeDecodeError as exc:
        raise error([f"{path}: not UTF-8 text"]) from exc
    return parse_yaml(text, str(path), error)


def parse_yaml(text: str, source: str, error: Callable[[Sequence[str]], Exception]) -> Any:
    """Parse YAML text read from `source` (a file name, or what to call packaged text) into LineDicts."""
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise error([f"{source}{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from exc


def line_of(node: Any, key: str | None = None) -> int:
    """The line of `key` in a LineDict (or of the mapping itself); 0 when unknown."""
    if key is not None:
        found = getattr(node, "key_lines", {}).get(key)
        if found:
            return int(found)
    return int(getattr(node, "line", 0))
