"""A large map of the build cache kept in parts by path, each sealed on its own: an edit rewrites only the parts it touched."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.build import cache

PARTS = 16


def part_of(path: str) -> int:
    """Which part an entry belongs in: by a digest of its path, the same in every process."""
    return hashlib.blake2b(path.encode("utf-8", "surrogatepass"), digest_size=2).digest()[0] % PARTS


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
    new: list[dict[str, Any]] = [{} for _ in range(PARTS)]
    old: list[dict[str, Any]] = [{} for _ in range(PARTS)]
    for key, entry in value.items():
        new[part_of(key)][key] = entry
    for key, entry in (last or {}).items():
        old[part_of(key)][key] = entry
    for part, fresh, before in zip(names(name), new, old):
        if (last is None or fresh != before) and not cache.write(root, part, fresh):
            return False
    return True


def remove(root: Path, name: str) -> None:
    """Forget every part of the map kept under `name`."""
    for part in names(name):
        cache.remove(root, part)
