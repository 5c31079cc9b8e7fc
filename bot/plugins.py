"""Import the modules that extend ChargeLine (commands, pages, tables) by name."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType


def optional_modules(names: Iterable[str]) -> list[ModuleType]:
    """Import each module that exists; a missing dependency inside one still raises."""
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise
    return modules
