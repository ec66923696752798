"""Whether the last build into a folder is still current, from file stats alone, before anything heavy is imported."""

from __future__ import annotations

import os
from array import array
from datetime import datetime
from pathlib import Path

from pipeline.build import cache, write

FRESH = "fresh"
WATCHED = write.SITE_FOLDERS  # folders of the site a build reads
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


Taken = tuple[tuple[str, ...], bytes]  # the files outside the watched folders a check stamped, and the stamp of them all


def up_to_date(root: Path, out: Path, options: tuple[str, ...], now: datetime) -> tuple[bool, Taken | None]:
    """True when nothing a build reads changed since the last one into `out` with the same options, and `out` still holds it;
    and the stamp it took of the site, when it took one (the build that follows starts from it)."""
    try:
        last = cache.read(root, FRESH)
    except cache.Discarded:
        return False, None  # the full build that follows reports it
    if not isinstance(last, dict) or last.get("options") != (str(out.resolve()), *options):
        return False, None
    valid_until = last.get("valid_until")
    if valid_until is not None and now.timestamp() >= valid_until:
        return False, None  # a scheduled article has gone live since
    if not last.get("build_id") or write.marker(out) != last["build_id"]:
        return False, None
    files = last.get("files")
    taken = (files, stamp(root, files)) if isinstance(files, tuple) and all(isinstance(f, str) for f in files) else None
    if taken is None or last.get("stamp") != taken[1]:
        return False, taken
    return _unchanged(out, last.get("outputs")), taken


Outputs = tuple[str, bytes, bytes]  # the files a build wrote: their paths joined by NULs (no path holds one), sizes, mtimes


def _outputs(written: write.Manifest) -> Outputs:
    """What `remember` keeps of the files a build wrote into its folder: three objects, however many the files."""
    paths = sorted(written)
    return "\0".join(paths), array("q", [written[p][1] for p in paths]).tobytes(), array("q", [written[p][2] for p in paths]).tobytes()


def _unchanged(out: Path, kept: object) -> bool:
    """Whether every file the last build wrote into `out` (`_outputs`) is there as it wrote it: the same size and
    modification time, and not a link. Only those files are looked at: a file put in the folder by hand is neither
    read nor removed by a build, so it does not make one due."""
    if not (isinstance(kept, tuple) and len(kept) == 3 and isinstance(kept[0], str) and all(isinstance(k, bytes) for k in kept[1:])):
        return False
    paths = kept[0].split("\0") if kept[0] else []
    sizes, mtimes = array("q"), array("q")
    try:
        sizes.frombytes(kept[1])
        mtimes.frombytes(kept[2])
    except ValueError:
        return False
    if not len(sizes) == len(mtimes) == len(paths):
        return False
    base = str(out)
    for path, size, mtime in zip(paths, sizes, mtimes):
        try:
            st = os.lstat(f"{base}/{path}")  # a string, not a Path: this runs for every output of a site
        except OSError:
            return False
        if st.st_size != size or st.st_mtime_ns != mtime:
            return False
    return True


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
        "outputs": _outputs(written),  # a file changed or removed there by hand is made again
    }
    cache.write(root, FRESH, record)
