"""`serve`'s site in memory: each rebuild describes the outputs an edit changed (build/depmap.py), and an output is made when it is first asked for, then kept by its key."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

from pipeline.build import incremental
from pipeline.build.describe import Kept, Made, describe
from pipeline.build.outputs import Output
from pipeline.content.perfile import FileRecords
from pipeline.content.sources import Changed
from pipeline.errors import ContentError
from pipeline.memo.state import Memo

# A request made while a rebuild runs waits for it (then serves the new page at once), up to this many seconds.
WAIT = 3.0


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What a rebuild did: how many outputs the site has, how many of them changed, and notes about the cache."""

    files: int
    changed: int
    notes: tuple[str, ...]
    described: int = 0  # outputs described again (the others are the last build's own, kept by their keys)


class Preview:
    """The site at `root` as `serve` shows it: the last good build's outputs, made on demand.

    Between edits it keeps each file's results, the prepared bodies and every output made, so a
    rebuild reads and parses only what changed, and makes only the pages asked for since. After an
    edit that leaves the content with errors, the last good build stays served.
    """

    def __init__(self, root: Path, drafts: bool, failed: Callable[[ContentError], None] | None = None, now: datetime | None = None) -> None:
        self.root = root
        self.drafts = drafts
        self.now = now  # fixes the clock, as `build --now` does (the tests compare with such a build)
        self.failed = failed  # told when an output cannot be made (its last good bytes are served)
        self._lock = threading.Lock()  # guards the two maps below; making an output happens outside it
        self._outputs: Mapping[str, Output] = MappingProxyType({})
        self._made: dict[str, tuple[str, bytes]] = {}  # path -> (key, bytes) of the last output made there
        self._known: FileRecords | None = None
        self._prepared: Mapping[str, Kept] | None = None
        self._last: Made | None = None  # the last good build: its digests are reused by the next
        self._memo: Memo | None = None  # what the last validate worked out
        self._partial = 0  # rebuilds since every output was last described
        self._failing = False  # whether the last rebuild found errors (then the last good build is served as it is)
        self._settled = threading.Condition()  # notified when a rebuild ends
        self._running = False

    def rebuild(self, jobs: int = 1) -> Rebuilt:
        """Validate and plan the site again (raises ContentError, keeping the last good build, when it has errors)."""
        with self._settled:
            self._running = True
        try:
            return self._rebuild(jobs)
        finally:
            with self._settled:
                self._running = False
                self._settled.notify_all()

    def refresh(self, jobs: int = 1) -> Rebuilt | None:
        """Describe every output again if REFRESH rebuilds passed since that was last done (None when it was not due).

        For a pause in the writer's edits (serve.watch's `idle`): each output kept by its key holds the plan of the
        rebuild that made it, so this lets a long session's old plans go without making the next edit wait for it. Pages
        asked for meanwhile are served from the last rebuild, which is as true of the files (no edit started this one)."""
        if self._failing or self._last is None or not incremental.refresh_due(self._partial):
            return None
        return self._rebuild(jobs, every=True)

    def _settle(self) -> None:
        """Wait for a running rebuild to end (at most WAIT seconds), so a request sees the edit that started it."""
        with self._settled:
            self._settled.wait_for(lambda: not self._running, WAIT)

    def _rebuild(self, jobs: int, every: bool = False) -> Rebuilt:
        """One rebuild (`rebuild` marks it running); with `every`, every output is described again."""
        self._failing = True  # until it ends well
        notes: list[str] = []
        if self._known is None:  # the first build starts from the command line's cache, when it can be trusted
            state, found = incremental.read_state(self.root)
            notes += found
            if state is not None:
                self._known, self._prepared, self._memo = incremental.reuse(state)
        store = self.root if incremental.writable_cache(self.root, notes) else None
        last = self._last
        if last is not None and (every or self._partial >= incremental.FORCED):  # a session's old plans let go
            last = dataclasses.replace(last, since=None, bodies=None)
        made = describe(self.root, self.now, self.drafts, self._known, self._prepared, jobs, store=store, last=last, memo=self._memo)
        self._partial = 0 if last is None or last.since is None else self._partial + 1
        outputs = MappingProxyType({o.path: o for o in made.outputs})
        with self._lock:
            changed = described = 0
            for path, o in outputs.items():
                was = self._outputs.get(path)
                changed += was is None or was.key != o.key
                described += was is not o
            self._outputs = outputs
            self._made = {path: kept for path, kept in self._made.items() if path in outputs}
        self._known, self._prepared, self._memo = made.records, made.prepared if store is not None else None, made.memo
        self._last = made
        self._failing = False
        return Rebuilt(len(outputs), changed, tuple(notes), described)

    def paths(self) -> list[str]:
        """Every output's path, sorted."""
        return sorted(self._outputs)

    def has(self, path: str) -> bool:
        """Whether the site has an output at `path` (once a running rebuild ends)."""
        self._settle()
        return path in self._outputs

    def get(self, path: str) -> bytes | None:
        """The output at `path` (made now if what it is made from changed), None if there is none.

        When it cannot be made (a template override that fails on this page), `failed` is told and
        the bytes last made there are served, if there are any. A running rebuild is waited for first.
        """
        self._settle()
        with self._lock:
            output = self._outputs.get(path)
            kept = self._made.get(path)
        if output is None:
            return None
        if kept is not None and kept[0] == output.key:
            return kept[1]
        try:
            data = output.make()
        except ContentError as exc:
            if self.failed is not None:
                self.failed(exc)
            return kept[1] if kept is not None else None
        except Changed:  # a file it reads was saved since the last rebuild: the one its OS event starts makes it again
            return kept[1] if kept is not None else None
        with self._lock:
            if self._outputs.get(path) is output:  # not replaced by a rebuild meanwhile
                self._made[path] = (output.key, data)
        return data
