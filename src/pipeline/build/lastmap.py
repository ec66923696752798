"""The last build's dependency map (depmap.py) kept in the build cache, so the command line's next build describes only the outputs an edit changed."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.build import cache, depmap
from pipeline.build.outputs import Output
from pipeline.build.reads import Listed, Since
from pipeline.content.sources import text_digest

NAME = "depmap"  # the map of the last build into a folder (incremental.py), by the build's id
PUBLISHED = "depmap-published"  # the map of the last publish's build (digested.py), by a digest of its outputs' keys


class Undescribed(Exception):
    """An output kept from the last build by its key alone was asked for its bytes (its file went missing or was changed):
    the build then describes every output and starts again."""


def keep(root: Path, build_id: str, since: Since | None, name: str = NAME) -> None:
    """Keep under `name` the map of the build `build_id` (its outputs' paths in order, and the lists their keys were made from)."""
    if since is None:
        cache.remove(root, name)
        return
    cache.write(
        root,
        name,
        {
            "build_id": build_id,
            "scope": since.scope or "",
            "map": since.map.to_plain(),
            "paths": [o.path for o in since.outputs],
            "lists": {path: (list(listed[0]), list(listed[1])) for path, listed in since.lists.items()},
        },
    )


def read(root: Path, build_id: str, written: Mapping[str, tuple[Any, ...]], name: str = NAME) -> Since | None:
    """The map kept under `name` by the build `build_id`, which made `written` (path -> its key first), as the next build's
    Since: its outputs are `written`'s, by their keys, made only by describing them (Undescribed). None when there is none
    for that build, or it cannot be trusted or read: then every output is described."""
    try:
        kept = cache.read(root, name)
    except cache.Discarded:
        return None
    if not isinstance(kept, dict) or kept.get("build_id") != build_id or not isinstance(kept.get("scope"), str):
        return None
    found, paths, lists = depmap.from_plain(kept.get("map")), kept.get("paths"), _lists(kept.get("lists"))
    if found is None or lists is None or not isinstance(paths, list) or len(paths) != len(written) or set(paths) != written.keys():
        return None
    if not all(isinstance(entry[0], str) for entry in written.values()):
        return None
    outputs = tuple(Output(path, written[path][0], _undescribed) for path in paths)
    return Since(outputs, found, lists=lists, scope=kept["scope"])


def identity(written: Mapping[str, tuple[Any, ...]]) -> str:
    """What names a build by the outputs it made (path -> its key first): for a map kept beside them with no build id."""
    return text_digest("\n".join(f"{path}\0{entry[0]}" for path, entry in sorted(written.items())))


def _lists(value: Any) -> dict[str, Listed] | None:
    """The lists' digests as kept, when they have their form (down to each pair of lists: the map is sealed, see depmap.from_plain)."""
    if not isinstance(value, dict):
        return None
    for path, listed in value.items():
        if not (type(path) is str and type(listed) is tuple and len(listed) == 2 and type(listed[0]) is type(listed[1]) is list):
            return None
        if len(listed[0]) != len(listed[1]):
            return None
    return value


def _undescribed() -> bytes:
    raise Undescribed
