"""A build for `publish`: every output's SHA-1 and size known at once (kept by key from the last publish), bytes made only when sent."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from pipeline import workers
from pipeline.build import cache, incremental, lastmap
from pipeline.build.describe import Kept, describe, made_bytes
from pipeline.build.outputs import Output
from pipeline.content.perfile import FileRecords
from pipeline.content.sources import forget_texts
from pipeline.errors import PipelineError
from pipeline.memo.state import Memo

DIGESTS = "digests"  # in the build cache: output path -> (key, SHA-1, size) of what a publish last made there
Written = tuple[Path, Mapping[str, tuple[str, int, int]]]  # a folder a build wrote, and its manifest (incremental.folder_of)


class Inconsistent(PipelineError):
    """An output's bytes differ from the digest kept for its key (the cache of digests is then forgotten). Exit 1."""

    exit_code = 1


class Files(Mapping[str, bytes]):
    """Every output's bytes by path, made (or read from the last build's folder) on first use and checked against its digest."""

    def __init__(
        self,
        root: Path,
        outputs: Mapping[str, Output],
        made: dict[str, bytes],
        digests: Mapping[str, tuple[str, int]],
        written: Written | None,
        whole: Callable[[], Mapping[str, Output]] | None = None,
    ) -> None:
        self._root = root
        self._outputs = outputs
        self._made = made
        self._digests = digests
        self._written = written
        self._whole = whole  # every output described, for one kept from the last publish by its key alone (lastmap.py)

    def __getitem__(self, path: str) -> bytes:
        data = self._made.get(path)
        if data is None:
            try:
                data = made_bytes(self._written, self._outputs[path])
            except lastmap.Undescribed:
                if self._whole is None:
                    raise
                data = made_bytes(self._written, self._whole()[path])
            if (hashlib.sha1(data).hexdigest(), len(data)) != self._digests[path]:
                cache.remove(self._root, DIGESTS)
                raise Inconsistent(
                    f"{path} was made differently from the last publish though nothing it is made from changed; "
                    "the kept digests are forgotten: run the publish again"
                )
        return data

    def __iter__(self) -> Iterator[str]:
        return iter(self._outputs)

    def __len__(self) -> int:
        return len(self._outputs)

    def sha1_and_size(self) -> Mapping[str, tuple[str, int]]:
        """Every output's SHA-1 (hex) and size, without making it."""
        return self._digests


@dataclass(frozen=True, slots=True)
class Digested:
    """A build as `publish` needs it: the files (lazily), the translations a gate kept back, and notes about the cache."""

    files: Files
    held: tuple[tuple[str, str, str], ...]
    notes: tuple[str, ...]


def build(root: Path, now: datetime | None, jobs: int) -> Digested:
    """The site at `root` built as published (no drafts), reusing the last build's and the last publish's results where unchanged.

    An output whose key is the one its digest was kept under is not made: a target asks for the bytes of
    what it lacks only. The rest is made (in `jobs` processes), and the per-file results and digests are
    kept for the next publish."""
    state, notes = incremental.read_state(root)
    known, prepared, memo = incremental.reuse(state) if state is not None else (None, None, None)
    written = incremental.folder_of(state) if state is not None else None
    usable = incremental.writable_cache(root, [])  # one that cannot be trusted (another version's, say) is built anew and replaced
    last = _kept(root) if usable else {}
    # The outputs made from nothing the last publish's build did not are not described: they are that build's, by their keys.
    since = lastmap.read(root, lastmap.identity(last), last, lastmap.PUBLISHED) if last else None
    store = root if usable else None
    made = describe(root, now, False, known, prepared, jobs, store=store, memo=memo, since=since)
    missing = [o for o in made.outputs if last.get(o.path, ("",))[0] != o.key]
    forget_texts(made.memo.seen, Path(made.memo.root or root))  # as a build does: the outputs need none of them
    contents = workers.run(partial(made_bytes, written), missing, jobs)
    fresh = {o.path: data for o, data in zip(missing, contents)}
    digests = {path: (hashlib.sha1(data).hexdigest(), len(data)) for path, data in fresh.items()}
    digests |= {o.path: last[o.path][1:] for o in made.outputs if o.path not in fresh}
    outputs = {o.path: o for o in made.outputs}
    if usable:
        incremental.keep_files(root, made, state)
        kept = {path: (o.key, *digests[path]) for path, o in outputs.items()}
        cache.write(root, DIGESTS, kept)
        lastmap.keep(root, lastmap.identity(kept), made.since, lastmap.PUBLISHED)
    whole = functools.cache(partial(_whole, root, now, known, prepared, jobs, store, memo)) if since is not None else None
    return Digested(Files(root, outputs, fresh, digests, written, whole), made.held, notes)


def _whole(
    root: Path,
    now: datetime | None,
    known: FileRecords | None,
    prepared: Mapping[str, Kept] | None,
    jobs: int,
    store: Path | None,
    memo: Memo | None,
) -> Mapping[str, Output]:
    """Every output of the site described (none kept by its key alone), by path."""
    return {o.path: o for o in describe(root, now, False, known, prepared, jobs, store=store, memo=memo).outputs}


def _kept(root: Path) -> dict[str, tuple[str, str, int]]:
    """What the last publish kept: path -> (key, SHA-1, size); empty when there is none or it cannot be trusted."""
    try:
        kept = cache.read(root, DIGESTS)
    except cache.Discarded:
        return {}
    if not isinstance(kept, dict):
        return {}
    return {
        path: entry
        for path, entry in kept.items()
        if isinstance(entry, tuple)
        and len(entry) == 3
        and isinstance(entry[0], str)
        and isinstance(entry[1], str)
        and isinstance(entry[2], int)
    }
