"""Secrets a demo keeps in its own folder: made once, readable by the owner only, the same at every start."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def stored_secret(directory: Path, name: str, nbytes: int = 12) -> str:
    """The secret in directory/name (mode 0600), generated the first time."""
    path = directory / name
    if path.is_file():
        os.chmod(path, 0o600)  # a copy restored by hand may have come back readable by others
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    value = secrets.token_urlsafe(nbytes)
    write_private(path, value + "\n")
    return value


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable and writable by the owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chmod(path, 0o600)  # O_CREAT's mode does not change an existing file
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
