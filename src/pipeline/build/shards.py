"""A large map of the build cache kept in parts by path, each sealed on its own: an edit rewrites only the parts it touched."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.build import cache

PARTS = 16


def part_of(path: str) -> int:
    """Which part an entry belongs in: by a checksum of its path, the same in every process (and a tenth of a digest's cost:
    a build asks it four times a file)."""
    return zlib.crc32(path.encode("utf-8", "surrogatepass")) % PARTS


def names(name: str) -> tuple[str, ...]:
    """The cache names of a map's parts."""
    return tuple(f"{name}-{n:x}" for n in range(PARTS))


def read(root: Path, name: str) -> dict[str, Any]:
    """The map kept under `name`, from every part that is there and can be trusted (an entry of another is simply missing)."""
    found: dict[str, Any] = {}
    for part in names(name):
        try:
            value = cache.read(root, part)
        except cache.Discarded:
            continue
        if isinstance(value, dict):  # sealed: written by `write` below, so every key is a path in its own part
            found.update(value)
    return found


def write(root: Path, name: str, value: Mapping[str, Any], last: Mapping[str, Any] | None) -> bool:
    """Keep `value` under `name`, writing only the parts whose entries differ from `last` (what `read` gave); False without a key."""
    if last is None:
        touched = set(range(PARTS))
    else:  # an entry carried from `last` is mostly the same object: told apart without comparing it
        touched = {part_of(key) for key, entry in value.items() if (before := last.get(key, _NONE)) is not entry and before != entry}
        touched.update(part_of(key) for key in last.keys() - value.keys())
    if not touched:
        return True
    parts: list[dict[str, Any]] = [{} for _ in range(PARTS)]
    for key, entry in value.items():
        parts[part_of(key)][key] = entry
    return all(cache.write(root, part, parts[n]) for n, part in enumerate(names(name)) if n in touched)


_NONE = object()


def remove(root: Path, name: str) -> None:
    """Forget every part of the map kept under `name`."""
    for part in names(name):
        cache.remove(root, part)
