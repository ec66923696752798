"""Build into a folder with the build cache: files whose text is unchanged are not parsed again, unchanged outputs not made again."""

from __future__ import annotations

import dataclasses
import marshal
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pipeline.build import bodystore, cache, freshness, lastmap, shards, write
from pipeline.build.describe import Kept, Made, describe
from pipeline.content.perfile import FileRecords
from pipeline.content.sources import forget_texts, seen_from_plain, seen_to_plain
from pipeline.memo.state import Memo, from_plain, to_plain

STATE = "build"
TEXTS = "texts"  # what discover saw of each file (its stat and digest), in parts: an unchanged file is only stat'ed
FILES = "files"  # each file's own results (FileRecords.files), in parts: an edit rewrites the part of the file it changed
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
    kept: tuple[object, ...] = ()  # the outputs, what the cache kept and the state the build started from: left to the exit to free
    session: Session | None = None  # with `watching`: what the next build into the same folder starts from


# After this many builds of a session, every output is described again (and every entry planned) once the writer pauses
# (refresh): an output kept from an earlier build holds that build's plan, so a long session of edits would otherwise hold
# one plan per edit. Past FORCED builds with no pause, the next edit's build does it (then that one edit waits for it).
REFRESH = 16
FORCED = 4 * REFRESH


def refresh_due(partial: int) -> bool:
    """Whether `partial` builds since every output was last described call for a pause to be used to do it again."""
    return partial >= REFRESH


@dataclass(frozen=True, slots=True)
class Session:
    """What `build --watch` keeps in memory between its builds into one folder: the last build (describe's `last`: what it
    validated, planned and described), the state the build cache holds since (so only the parts an edit changed are
    written again), and how many builds ago every output was last described."""

    made: Made
    state: dict[str, Any]
    partial: int = 0

    def due(self) -> bool:
        """Whether enough builds passed since every output was described that a pause should be used to do it (refresh)."""
        return refresh_due(self.partial)


def build_into(
    root: Path,
    out: Path,
    now: datetime | None,
    drafts: bool,
    jobs: int,
    options: tuple[str, ...],
    taken: freshness.Taken | None = None,
    session: Session | None = None,
    watching: bool = False,
    refresh: bool = False,
) -> Outcome:
    """Build the site at `root` into `out`, reusing the last build's results where their inputs are unchanged.

    `taken` is the stamp the no-op check took of the site just before (freshness.up_to_date), if it took one.
    `watching` keeps the build in memory for the next one (Outcome.session), which is given as `session`: it starts
    from what that build validated, planned and described instead of from the build cache (which it keeps up to date);
    with `refresh`, every output is described again even so (Session.due: `build --watch` does it when the writer pauses)."""
    if refresh and session is not None:
        session = dataclasses.replace(session, partial=FORCED)
    try:
        return _build_into(root, out, now, drafts, jobs, options, taken, partial=True, session=session, watching=watching)
    except lastmap.Undescribed:  # an output kept by its key went missing or was changed in `out`: describe every one
        return _build_into(root, out, now, drafts, jobs, options, taken, partial=False, session=None, watching=watching)


def _build_into(
    root: Path,
    out: Path,
    now: datetime | None,
    drafts: bool,
    jobs: int,
    options: tuple[str, ...],
    taken: freshness.Taken | None,
    partial: bool,
    session: Session | None,
    watching: bool,
) -> Outcome:
    """build_into; with `partial`, only the outputs made from what changed since the last build into `out` are described
    (the map it kept: lastmap.py, or the `session`'s build), the others are that build's by their keys."""
    watched = taken[0] if taken is not None else freshness.watched(root)
    seen = taken[1] if taken is not None else freshness.stamp(root, watched)  # first: an edit made during the build is seen by the next
    notes: list[str] = []
    usable = writable_cache(root, notes)
    state, known, prepared, memo, last = _start(root, usable, session, notes)
    out_key = str(out.resolve())
    previous = state["outputs"] if state and state["out"] == out_key and write.marker(out) == state["build_id"] else None
    since = lastmap.read(root, state["build_id"], previous) if partial and last is None and state and previous is not None else None
    made = describe(root, now, drafts, known, prepared, jobs, store=root if usable else None, memo=memo, since=since, last=last)
    outputs, held, valid_until, reads = made.outputs, made.held, made.valid_until, freshness.files_read(made.schema_path)
    kept, maps = _plain_state(made)
    mapped = made.since
    watched_made = made if watching else None
    if not watching:  # what the outputs are made of holds no source text (the search words were counted with the bodies)
        forget_texts(made.memo.seen, Path(made.memo.root or root))
    del made  # every article's parse and checks: the outputs and the plain state are all that is used from here on
    # What discover saw of each file and what each file gave on its own are true of the files whatever the build does
    # next: kept now, and let go before the outputs are made (a worker forked to make them would copy what it touches).
    parts_kept = not usable or _keep_parts(root, maps, state)
    parts = maps if watching else {}  # what build --watch's next build starts from
    del maps
    build_id = os.urandom(8).hex()  # as secrets.token_hex(8) makes it, without importing `secrets` (and `random`)
    written = write.update_tree(outputs, out, root, previous, build_id, jobs)
    kept |= {
        "prepared": _compact(root, kept["prepared"]) if usable else {},
        "out": out_key,
        "build_id": build_id,
        "outputs": written.manifest,
    }
    if usable and not (cache.write(root, STATE, kept) and parts_kept):
        notes.append("no build cache: there is no writable ~/.cache/pipeline to keep its key in")
    elif usable:
        lastmap.keep(root, build_id, mapped)
        freshness.remember(root, out, options, build_id, valid_until, reads, seen if reads == watched else b"", written.manifest)
    pages = sum(1 for o in outputs if o.path.endswith(".html"))
    following = None
    if watched_made is not None:
        count = session.partial + 1 if session is not None and last is not None and last.since is not None else 0
        following = _following(watched_made, kept | parts if usable else {}, count)
    return Outcome(
        len(outputs), pages, written.written, written.removed, held, tuple(notes), (outputs, kept, parts, state, mapped), following
    )


def _following(made: Made, state: dict[str, Any], count: int) -> Session:
    """The session the next build starts from. When the cache's store moved bodies to a new pack (bodystore.keep_only
    repacks it once most of it is dead), the build's prepared bodies are where the cache has them now, and its bodies and
    map are let go: they would look for the others in the packs removed."""
    kept = state.get("prepared")
    if kept is not None and any(kept.get(path, ("",))[1:2] != entry[1:2] for path, entry in made.prepared.items()):
        return Session(dataclasses.replace(made, prepared=MappingProxyType(kept), since=None, bodies=None), state, 0)
    return Session(made, state, count)


def _start(
    root: Path, usable: bool, session: Session | None, notes: list[str]
) -> tuple[dict | None, FileRecords | None, Mapping[str, Kept] | None, Memo | None, Made | None]:
    """What a build starts from: the state the build cache holds, the per-file results, prepared bodies and memo it offers,
    and the last build kept in memory (a session's: then all but the state are taken from it, not read from the cache)."""
    if session is None:
        state = _load(root, notes) if usable else None
        known, prepared, memo = reuse(state) if state else (None, None, None)
        return state, known, prepared, memo, None
    made = session.made
    last = made if session.partial < FORCED else dataclasses.replace(made, since=None, bodies=None)
    return (session.state or None) if usable else None, made.records, made.prepared if usable else None, made.memo, last


def _plain_state(made: Made) -> tuple[dict[str, Any], dict[str, Mapping[str, Any]]]:
    """What the build cache keeps of a build besides the folder it wrote, and its per-file maps (_keep): plain data only,
    no reference into the validation."""
    return {"rules": made.records.rules, "prepared": made.prepared, "memo": _packed(made.memo)}, _maps(made)


def _packed(memo: Memo) -> bytes:
    """The memo as the state keeps it: its plain form as marshal's bytes, one object where its plain form is hundreds of
    thousands (held while the outputs are made, until the state is written: a worker forked to make them copies none)."""
    return marshal.dumps(to_plain(memo))


def _unpacked(packed: object) -> object:
    """The plain memo `_packed` kept (its bytes come from a sealed state); None for anything else."""
    if not isinstance(packed, bytes):
        return None
    try:
        return marshal.loads(packed)
    except (EOFError, ValueError, TypeError):
        return None


def _maps(made: Made) -> dict[str, Mapping[str, Any]]:
    """A build's per-file maps as the cache keeps them in parts: what discover saw of each file, and each file's own results."""
    return {TEXTS: seen_to_plain(made.memo.seen), FILES: made.records.files}


def read_state(root: Path) -> tuple[dict | None, tuple[str, ...]]:
    """The last build's state as kept (None when there is none, or it is not trusted: then a note says why)."""
    try:
        state = cache.read(root, STATE)
    except cache.Discarded as exc:
        return None, (f"ignored the build cache: {exc}",)
    return (_with_parts(root, state), ()) if state is not None and _well_formed(state) else (None, ())


def reuse(state: dict) -> tuple[FileRecords, Mapping[str, Kept], Memo]:
    """What a state offers the next build: per-file results, prepared bodies, and what its validate worked out (memo.state),
    with what its discover saw (a file of the same stat is not read again)."""
    memo = from_plain(_unpacked(state.get("memo")), digests_kept(state))
    if memo.root:
        memo = dataclasses.replace(memo, seen=seen_from_plain(state.get(TEXTS) or {}, Path(memo.root)))
    return FileRecords(state["rules"], state["files"]), state["prepared"], memo


def digests_kept(state: Mapping[str, Any]) -> dict[str, str]:
    """Each file's text digest as a state's parts hold it: its record's (FILES), else what discover saw of it (TEXTS);
    the memo's inputs are checked against them (memo.state.from_plain)."""
    found = {path: entry[3] for path, entry in (state.get(TEXTS) or {}).items() if isinstance(entry, tuple) and len(entry) == 4}
    found.update((path, kept[0]) for path, kept in (state.get(FILES) or {}).items() if isinstance(kept, tuple) and kept)
    return {path: digest for path, digest in found.items() if isinstance(digest, str)}


def _with_parts(root: Path, state: dict) -> dict:
    """A state read from the cache, with its per-file maps (each kept in parts of its own)."""
    return state | {name: shards.read(root, name) for name in (TEXTS, FILES)}


def _keep(root: Path, state: dict, maps: Mapping[str, Mapping[str, Any]], last: dict | None) -> bool:
    """Keep `state` whole and a build's per-file `maps` (_maps) in parts, writing only the parts that changed since the `last`
    state's; False when there is no key to seal them with. A part that is missing or not trusted next time only costs its files a reading."""
    return cache.write(root, STATE, state) and _keep_parts(root, maps, last)


def _keep_parts(root: Path, maps: Mapping[str, Mapping[str, Any]], last: dict | None) -> bool:
    """Keep a build's per-file `maps` in parts, writing only the parts that changed since the `last` state's."""
    return all(shards.write(root, name, value, last.get(name) if last else None) for name, value in maps.items())


def folder_of(state: dict) -> Folder | None:
    """The folder a state's build wrote and what it holds there, while it still holds that build."""
    out = Path(state["out"])
    return (out, state["outputs"]) if write.marker(out) == state["build_id"] else None


def keep_files(root: Path, made: Made, last: dict | None) -> None:
    """Keep a build's per-file results and prepared bodies (one made by `publish`), with the folder the `last` state recorded."""
    folder = (
        {name: last[name] for name in ("out", "build_id", "outputs")} if last is not None else {"out": "", "build_id": "", "outputs": {}}
    )
    kept, maps = _plain_state(made)
    _keep(root, kept | {"prepared": _compact(root, made.prepared)} | folder, maps, last)


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
    return _with_parts(root, state)


def _forget(root: Path) -> None:
    cache.remove(root, STATE)
    cache.remove(root, freshness.FRESH)
    cache.remove(root, lastmap.NAME)
    for name in (TEXTS, FILES):
        shards.remove(root, name)


def _well_formed(state: object) -> bool:
    kinds = {"rules": str, "prepared": dict, "out": str, "build_id": str, "outputs": dict}
    return isinstance(state, dict) and all(isinstance(state.get(name), kind) for name, kind in kinds.items())
