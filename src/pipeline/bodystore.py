"""Prepared body HTML kept between builds in .pipeline-cache/bodies/, each file named by the digest of its content."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from .cache import CACHE_DIR

FOLDER = "bodies"


def digest(text: str) -> str:
    """What a body is stored under."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()


def save(root: Path, text: str) -> str:
    """Store `text` (unless it is there already) and return its digest."""
    name = digest(text)
    path = root / CACHE_DIR / FOLDER / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
        tmp.write_bytes(text.encode("utf-8", "surrogatepass"))
        os.replace(tmp, path)
    return name


def load(root: Path, name: str) -> str | None:
    """The body stored under `name`; None when it is missing or is not what its name says (then it is made again)."""
    try:
        text = (root / CACHE_DIR / FOLDER / name).read_bytes().decode("utf-8", "surrogatepass")
    except (OSError, UnicodeDecodeError):
        return None
    return text if digest(text) == name else None


def keep_only(root: Path, names: Iterable[str]) -> None:
    """Remove the stored bodies no longer used."""
    folder = root / CACHE_DIR / FOLDER
    keep = set(names)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name not in keep:
            try:
                os.unlink(entry.path)
            except OSError:
                pass
