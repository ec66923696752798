"""Whether the last build into a folder is still current, from file stats alone, before anything heavy is imported."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pipeline.build import cache, write

FRESH = "fresh"
WATCHED = ("content", "locales", "templates", "static", "schemas")  # folders of the site a build reads
DEFAULT_SCHEMA = "schemas/article.schema.json"


def files_read(schema_path: str) -> tuple[str, ...]:
    """The files outside the watched folders a build read, given the article schema it used."""
    return tuple(sorted({DEFAULT_SCHEMA, schema_path} - {"(built-in)"}))


def watched(root: Path) -> tuple[str, ...]:
    """The files outside the watched folders the last build read (its schema), as it recorded them."""
    try:
        last = cache.read(root, FRESH)
    except cache.Discarded:
        last = None
    files = last.get("files") if isinstance(last, dict) else None
    return tuple(files) if isinstance(files, tuple) else (DEFAULT_SCHEMA,)


def stamp(root: Path, files: tuple[str, ...]) -> bytes:
    """A digest of the stats of everything a build of `root` reads: the watched folders, `files`, and the tool itself."""
    return cache.stats(root, WATCHED, ("site.yaml", *files))


def up_to_date(root: Path, out: Path, options: tuple[str, ...], now: datetime) -> bool:
    """True when nothing a build reads changed since the last one into `out` with the same options, and `out` still holds it."""
    try:
        last = cache.read(root, FRESH)
    except cache.Discarded:
        return False  # the full build that follows reports it
    if not isinstance(last, dict) or last.get("options") != (str(out.resolve()), *options):
        return False
    valid_until = last.get("valid_until")
    if valid_until is not None and now.timestamp() >= valid_until:
        return False  # a scheduled article has gone live since
    if not last.get("build_id") or write.marker(out) != last["build_id"]:
        return False
    if last.get("stamp") != stamp(root, tuple(last.get("files", ()))):
        return False
    return last.get("out_stamp") == cache.tree_stamp(cache.folder_files(out, write.MARKER))


def remember(
    root: Path,
    out: Path,
    options: tuple[str, ...],
    build_id: str,
    valid_until: datetime | None,
    files: tuple[str, ...],
    seen: bytes,
    written: write.Manifest,
) -> None:
    """Record the build just made into `out`: `seen` is the stamp taken before it read anything (b"" when it watched other
    files than `files`: the next build then checks everything), `written` what is in `out` now."""
    record = {
        "options": (str(out.resolve()), *options),
        "build_id": build_id,
        "valid_until": valid_until.timestamp() if valid_until else None,
        "files": files,
        "stamp": seen,
        "out_stamp": cache.tree_stamp(
            (path, size, mtime) for path, (_, size, mtime) in written.items()
        ),  # a file changed there by hand is made again
    }
    cache.write(root, FRESH, record)
