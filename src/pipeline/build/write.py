"""Write a build into a folder, whole or only what changed, never half-done and never outside it."""

from __future__ import annotations

import contextlib
import os
import posixpath
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipeline.errors import UsageError

MARKER = ".pipeline-build"
NEW_SUFFIX = ".pipeline-new"
SITE_FOLDERS = ("content", "locales", "templates", "static", "schemas")  # what a build reads of the site besides site.yaml


def safe_path(rel: str) -> bool:
    """Whether `rel` is a plain relative path that stays inside its folder."""
    if not rel or "\\" in rel or "\x00" in rel or rel.startswith("/"):
        return False
    normal = posixpath.normpath(rel)
    return normal == rel and not normal.startswith("../") and normal != ".."


class Planned(Protocol):
    """An output to write: where, a key of what it is made from, and how to make it."""

    @property
    def path(self) -> str: ...
    @property
    def key(self) -> str: ...
    def make(self) -> bytes: ...


Manifest = dict[str, tuple[str, int, int]]  # path -> (key, size, mtime in ns) of every file written


@dataclass(frozen=True, slots=True)
class Written:
    """What an update did: the folder's new manifest, files written and files removed."""

    manifest: Manifest
    written: int
    removed: int


def marker(out: Path) -> str:
    """The id of the build `out` holds whole ("" when none, or when an update of it was interrupted)."""
    try:
        return (out / MARKER).read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def update_tree(outputs: Sequence[Planned], out: Path, root: Path, previous: Manifest | None, build_id: str, jobs: int = 1) -> Written:
    """Make `out` hold exactly `outputs`: only those whose key changed since `previous` when `out` holds that build.

    Outputs are made by `jobs` processes, each writing its own files. Nothing is visible until every
    output is made: a cold build is assembled beside `out` and swapped in, an update is written beside
    each file and renamed over it at the end; a failure leaves `out` as it was.
    """
    out, root = _checked(out, root, [o.path for o in outputs])
    if previous is None or not out.is_dir():
        return _replace(outputs, out, build_id, jobs)
    base = str(out)
    stale = [o for o in outputs if not _current(base, o, previous.get(o.path))]
    keep = {o.path for o in outputs}
    removed = sorted(path for path in previous if path not in keep)
    held = marker(out)
    (out / MARKER).write_bytes(b"")  # if this is interrupted, the next build is a whole one
    try:
        made = _make_all(stale, out, NEW_SUFFIX, jobs)
    except OSError:  # e.g. a file where a folder now goes: write the build whole instead
        return _replace(outputs, out, build_id, jobs)
    except BaseException:
        (out / MARKER).write_text(held + "\n", encoding="ascii")  # the folder is still that build
        raise
    try:
        for output in stale:
            os.replace(out / (output.path + NEW_SUFFIX), out / output.path)
    except OSError:  # e.g. a folder where a file now goes
        return _replace(outputs, out, build_id, jobs)
    for path in removed:
        with contextlib.suppress(FileNotFoundError):
            (out / path).unlink()
        _prune(out, (out / path).parent)
    (out / MARKER).write_text(build_id + "\n", encoding="ascii")
    manifest = {o.path: previous[o.path] for o in outputs if o.path not in made}
    return Written(manifest | made, len(stale), len(removed))


def _replace(outputs: Sequence[Planned], out: Path, build_id: str, jobs: int) -> Written:
    staging = out.with_name(f".{out.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        made = _make_all(outputs, staging, "", jobs)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    (staging / MARKER).write_text(build_id + "\n", encoding="ascii")
    _swap(staging, out)
    return Written(made, len(outputs), 0)


def _make_all(outputs: Sequence[Planned], folder: Path, suffix: str, jobs: int) -> Manifest:
    """Make and write every output (in `jobs` processes), the longest first; on failure, remove what was written.

    An empty `suffix` means `folder` was just made empty (a cold build's staging folder): each process then makes every
    folder it writes into once, before its first file, instead of first failing to open that file."""
    from pipeline import workers  # here: the no-op check (freshness) reads this module's marker without loading multiprocessing

    order = _order(outputs)
    forking = jobs > 1 and len(order) >= workers.MIN_ITEMS
    ahead = [n for n in order if outputs[n].path.endswith(LONGEST)] if forking else []
    rest = [n for n in order if not outputs[n].path.endswith(LONGEST)] if ahead else order
    made_here: set[str] | None = set() if not suffix else None  # a forked worker adds to its own copy
    try:
        stats = {n: _make(outputs[n], folder, suffix, made_here) for n in ahead}  # before the workers are forked
        made = workers.run(
            lambda output: _make(output, folder, suffix, made_here), [outputs[n] for n in rest], jobs, _starts(outputs, rest, jobs)
        )
    except BaseException:
        if suffix:
            for output in outputs:
                with contextlib.suppress(FileNotFoundError):
                    (folder / (output.path + suffix)).unlink()
        raise
    stats.update(zip(rest, made))
    return {o.path: (o.key, *stats[n]) for n, o in enumerate(outputs)}


# Outputs that take far longer than a page and read every entry of a locale (its whole search index): made by the
# command before it forks the workers for the others (a worker that made one copied ~10 MB of the command's memory: the
# pages of every entry it read, and those its postings were made in), else first, so no process is left making one alone.
LONGEST = ("search-index.json",)


def _group(path: str) -> str:
    """What an output shares most of what it is made from with: its locale's outputs (`he/…`, `api/he/…`), else its first folder's."""
    parts = path.split("/", 2)
    return parts[1] if parts[0] == "api" and len(parts) > 2 else parts[0]


def _order(outputs: Sequence[Planned]) -> list[int]:
    """The order outputs are made in: a group's together (a worker then touches, and copies, only its data), its longest first."""
    first: dict[str, int] = {}
    for n, output in enumerate(outputs):
        first.setdefault(_group(output.path), n)
    return sorted(range(len(outputs)), key=lambda n: (first[_group(outputs[n].path)], not outputs[n].path.endswith(LONGEST)))


def _starts(outputs: Sequence[Planned], order: list[int], jobs: int) -> list[int]:
    """Where each of `jobs` workers starts in `order`: at the start of the group nearest an even split (workers.run)."""
    if jobs <= 1 or not order:
        return []
    groups = [n for n in range(len(order)) if n == 0 or _group(outputs[order[n]].path) != _group(outputs[order[n - 1]].path)]
    return sorted({min(groups, key=lambda start: abs(start - len(order) * k // jobs)) for k in range(jobs)})


_WRITE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def _make(output: Planned, folder: Path, suffix: str, made_here: set[str] | None = None) -> tuple[int, int]:
    """Write one output; its folder is made here when missing (by whichever worker needs it first).

    With `made_here` (the folders this process made in a folder that started empty), a folder not in it is made before
    the file is opened: one mkdir, where opening first would fail, look the parent up and then make it."""
    target = f"{folder}/{output.path}{suffix}"
    data = output.make()
    if made_here is not None:
        parent = os.path.dirname(target)
        if parent not in made_here:
            _make_folder(parent)
            made_here.add(parent)
    try:
        fd = os.open(target, _WRITE, 0o666)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fd = os.open(target, _WRITE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        st = os.fstat(fd)
    finally:
        os.close(fd)
    return st.st_size, st.st_mtime_ns


def _make_folder(path: str) -> None:
    """Make a folder that may exist already (another worker made it); its parents too when they are missing."""
    try:
        os.mkdir(path)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(path, exist_ok=True)


def _current(out: str, output: Planned, last: tuple[str, int, int] | None) -> bool:
    """Whether the file in the folder `out` is the one this output would make: same key, and not changed since."""
    if last is None or last[0] != output.key:
        return False
    try:
        st = os.stat(f"{out}/{output.path}")  # a string, not a Path: this runs for every output of a site
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == (last[1], last[2])


def _prune(out: Path, folder: Path) -> None:
    """Remove folders left empty under `out`."""
    while folder != out and folder.is_relative_to(out):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _checked(out: Path, root: Path, paths: Iterable[str]) -> tuple[Path, Path]:
    out = out.resolve()
    root = root.resolve()
    if out == root or root.is_relative_to(out):
        raise UsageError(f"refusing to build into {out}: it holds the site's own files")
    read = next((name for name in SITE_FOLDERS if out.is_relative_to(root / name)), None)
    if read is not None:  # the next build would read this one (a static/ folder's files are published as they are)
        raise UsageError(f"refusing to build into {out}: it is inside the site's {read}/ folder, which a build reads")
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UsageError(f"refusing to replace {out}: it is not empty and was not written by `pipeline build`")
    bad = sorted(rel for rel in paths if not safe_path(rel))
    if bad:
        raise UsageError(f"refusing to write outside the output folder: {', '.join(bad)}")
    return out, root


def _swap(staging: Path, out: Path) -> None:
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)
