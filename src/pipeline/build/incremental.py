"""Build into a folder with the build cache: files whose text is unchanged are not parsed again, unchanged outputs not made again."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.build import bodystore, cache, freshness, write
from pipeline.build.describe import Kept, Made, describe
from pipeline.content.perfile import FileRecords
from pipeline.memo.state import Memo, from_plain, to_plain

STATE = "build"
Folder = tuple[Path, write.Manifest]  # a folder a build wrote, and what it holds (path -> key, size, modification time)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a build into a folder did."""

    files: int  # outputs in the folder
    pages: int  # HTML pages among them
    written: int
    removed: int
    held: tuple[tuple[str, str, str], ...]
    notes: tuple[str, ...]  # about the cache, for the editor


def build_into(root: Path, out: Path, now: datetime | None, drafts: bool, jobs: int, options: tuple[str, ...]) -> Outcome:
    """Build the site at `root` into `out`, reusing the last build's results where their inputs are unchanged."""
    watched = freshness.watched(root)
    seen = freshness.stamp(root, watched)  # taken first: an edit made during the build is seen by the next one
    notes: list[str] = []
    usable = writable_cache(root, notes)
    state = _load(root, notes) if usable else None
    known, prepared, memo = reuse(state) if state else (None, None, None)
    made = describe(root, now, drafts, known, prepared, jobs, store=root if usable else None, memo=memo)
    outputs, held, valid_until, reads = made.outputs, made.held, made.valid_until, freshness.files_read(made.schema_path)
    kept = _plain_state(made)
    del made  # every article's text, parse and checks: the outputs and the plain state are all that is used from here on
    out_key = str(out.resolve())
    previous = state["outputs"] if state and state["out"] == out_key and write.marker(out) == state["build_id"] else None
    build_id = secrets.token_hex(8)
    written = write.update_tree(outputs, out, root, previous, build_id, jobs)
    kept |= {
        "prepared": _compact(root, kept["prepared"]) if usable else {},
        "out": out_key,
        "build_id": build_id,
        "outputs": written.manifest,
    }
    if usable and not cache.write(root, STATE, kept):
        notes.append("no build cache: there is no writable ~/.cache/pipeline to keep its key in")
    elif usable:
        freshness.remember(root, out, options, build_id, valid_until, reads, seen if reads == watched else b"", written.manifest)
    pages = sum(1 for o in outputs if o.path.endswith(".html"))
    return Outcome(len(outputs), pages, written.written, written.removed, held, tuple(notes))


def _plain_state(made: Made) -> dict[str, Any]:
    """What the build cache keeps of a build besides the folder it wrote: plain data only, no reference into the validation."""
    return {"rules": made.records.rules, "files": dict(made.records.files), "prepared": made.prepared, "memo": to_plain(made.memo)}


def read_state(root: Path) -> tuple[dict | None, tuple[str, ...]]:
    """The last build's state as kept (None when there is none, or it is not trusted: then a note says why)."""
    try:
        state = cache.read(root, STATE)
    except cache.Discarded as exc:
        return None, (f"ignored the build cache: {exc}",)
    return (state, ()) if state is not None and _well_formed(state) else (None, ())


def reuse(state: dict) -> tuple[FileRecords, Mapping[str, Kept], Memo]:
    """What a state offers the next build: per-file results, prepared bodies, and what its validate worked out (memo.state)."""
    return FileRecords(state["rules"], state["files"]), state["prepared"], from_plain(state.get("memo"))


def folder_of(state: dict) -> Folder | None:
    """The folder a state's build wrote and what it holds there, while it still holds that build."""
    out = Path(state["out"])
    return (out, state["outputs"]) if write.marker(out) == state["build_id"] else None


def keep_files(root: Path, made: Made, last: dict | None) -> None:
    """Keep a build's per-file results and prepared bodies (one made by `publish`), with the folder the `last` state recorded."""
    folder = (
        {name: last[name] for name in ("out", "build_id", "outputs")} if last is not None else {"out": "", "build_id": "", "outputs": {}}
    )
    kept = {
        "rules": made.records.rules,
        "files": dict(made.records.files),
        "prepared": _compact(root, made.prepared),
        "memo": to_plain(made.memo),
    }
    cache.write(root, STATE, kept | folder)


def _compact(root: Path, prepared: Mapping[str, Kept]) -> dict[str, Kept]:
    """The prepared bodies as kept, after the store dropped what no article uses any more."""
    where = bodystore.keep_only(root, {path: kept[1] for path, kept in prepared.items()})
    return {path: (kept[0], where[path], kept[2], kept[3]) for path, kept in prepared.items() if path in where}


def writable_cache(root: Path, notes: list[str]) -> bool:
    """Whether the cache folder can be written; if not, the build runs without it and says so."""
    folder = root / cache.CACHE_DIR
    why = cache.unsafe(root)
    if why:
        notes.append(f"no build cache: {why}; building everything")
        return False
    try:
        folder.mkdir(exist_ok=True)
        probe = folder / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        notes.append(f"no build cache: cannot write {folder} ({exc.strerror}); building everything")
        return False
    return True


def _load(root: Path, notes: list[str]) -> dict | None:
    """The last build's state, or None; a cache that cannot be trusted is discarded with a note."""
    try:
        state = cache.read(root, STATE)
    except cache.Discarded as exc:
        notes.append(f"discarded the build cache: {exc}; building everything")
        _forget(root)
        return None
    if state is None:
        return None
    if not _well_formed(state):
        notes.append(
            f"discarded the build cache: {root / cache.CACHE_DIR / STATE} does not hold what this version expects; building everything"
        )
        _forget(root)
        return None
    return state


def _forget(root: Path) -> None:
    cache.remove(root, STATE)
    cache.remove(root, freshness.FRESH)


def _well_formed(state: object) -> bool:
    kinds = {"rules": str, "files": dict, "prepared": dict, "out": str, "build_id": str, "outputs": dict}
    return isinstance(state, dict) and all(isinstance(state.get(name), kind) for name, kind in kinds.items())
