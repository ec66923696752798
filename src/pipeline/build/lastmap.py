"""The last build's dependency map (depmap.py) kept in the build cache, so the command line's next build describes only the outputs an edit changed."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.build import cache, depmap
from pipeline.build.outputs import Output
from pipeline.build.reads import Listed, Since

NAME = "depmap"


class Undescribed(Exception):
    """An output kept from the last build by its key alone was asked for its bytes (its file went missing or was changed):
    the build then describes every output and starts again."""


def keep(root: Path, build_id: str, since: Since | None) -> None:
    """Keep the map of the build `build_id` wrote (its outputs' paths in order, and the lists their keys were made from)."""
    if since is None:
        cache.remove(root, NAME)
        return
    cache.write(
        root,
        NAME,
        {
            "build_id": build_id,
            "scope": since.scope or "",
            "map": since.map.to_plain(),
            "paths": [o.path for o in since.outputs],
            "lists": {path: (list(listed[0]), list(listed[1])) for path, listed in since.lists.items()},
        },
    )


def read(root: Path, build_id: str, written: Mapping[str, tuple[str, int, int]]) -> Since | None:
    """The map kept by the build `build_id`, which wrote `written` (path -> key, size, time), as the next build's Since:
    its outputs are `written`'s, by their keys, made only by describing them (Undescribed). None when there is none
    for that build, or it cannot be trusted or read: then every output is described."""
    try:
        kept = cache.read(root, NAME)
    except cache.Discarded:
        return None
    if not isinstance(kept, dict) or kept.get("build_id") != build_id or not isinstance(kept.get("scope"), str):
        return None
    found, paths, lists = depmap.from_plain(kept.get("map")), kept.get("paths"), _lists(kept.get("lists"))
    if found is None or lists is None or not isinstance(paths, list) or len(paths) != len(written) or set(paths) != written.keys():
        return None
    outputs = tuple(Output(path, written[path][0], _undescribed) for path in paths)
    return Since(outputs, found, lists=lists, scope=kept["scope"])


def _lists(value: Any) -> dict[str, Listed] | None:
    if not isinstance(value, dict):
        return None
    for path, listed in value.items():
        if not (isinstance(path, str) and isinstance(listed, tuple) and len(listed) == 2 and all(_texts(part) for part in listed)):
            return None
        if len(listed[0]) != len(listed[1]):
            return None
    return value


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _undescribed() -> bytes:
    raise Undescribed
