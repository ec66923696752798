"""The one path policy: what the tool reads stays inside the site (lstat on every component), regular files only; its own folders are never links."""

from __future__ import annotations

import errno
import functools
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

LEAVES = "a link that leads outside the site; copy the file in instead"
NOT_REGULAR = "not a regular file (a device, a pipe or a socket); only plain files are read"
FOLDER_LINK = "a link to a folder; links to folders are not followed"
BROKEN_LINK = "a link to nothing (its target does not exist); remove it, or point it at a file inside the site"

# What editors and file managers leave beside the files being edited, never part of the site: Emacs's lock (.#name, a link
# to nothing while the file has unsaved changes) and auto-save (#name#), backups (name~), Vim's and Kate's swap files
# (.name.swp, .name.kate-swp), gedit's file being saved (.goutputstream-…), JetBrains' safe-write copies, flycheck's copies
# (flycheck_name) and macOS's .DS_Store. The preview's watcher ignores them too.
_LEFTOVER = re.compile(
    r"\.#|#.*#\Z|.*~\Z|\..*\.(?:sw[a-px]|kate-swp)\Z|\.goutputstream-|.*___jb_(?:tmp|old)___\Z|flycheck_|\.DS_Store\Z", re.DOTALL
)


def leftover(name: str) -> bool:
    """Whether a file or folder `name` is an editor's leftover (_LEFTOVER): no command reads, reports or publishes one."""
    return _LEFTOVER.match(name) is not None


class UnsafePath(Exception):
    """A path the policy refuses; `rel` is relative to the site root, `reason` finishes the sentence."""

    def __init__(self, rel: str, reason: str) -> None:
        super().__init__(f"{rel} is {reason}")
        self.rel = rel
        self.reason = reason


@functools.lru_cache(maxsize=16)
def _real_root(root: Path) -> Path:
    return Path(os.path.realpath(root))  # once per site, not once per file: the site's own folder does not move under a run


def resolve_inside(root: Path, rel: str) -> Path | None:
    """The real path of `root/rel` when every component is inside the site (links included), else UnsafePath; None when it is absent."""
    found = _resolved(root, rel)
    return Path(found) if found is not None else None


def _resolved(root: Path, rel: str, folders: dict[str, str | None] | None = None) -> str | None:
    """resolve_inside, as a string. `folders`, when given, keeps the real path of each folder resolved (None: not one) for
    the next file of the same folder (one read of many files: discover): its components are then checked once, not once a file."""
    real_root = str(_real_root(root))
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    if folders is not None and len(parts) > 1:
        parent = "/".join(parts[:-1])
        if parent not in folders:
            try:
                found = _resolved(root, parent)
            except UnsafePath as exc:
                raise UnsafePath(rel, exc.reason) from None
            folders[parent] = found if found is not None and stat.S_ISDIR(_stat(found)) else None
        folder = folders[parent]
        return _component(real_root, folder, parts[-1], rel, True) if folder is not None else None
    current = real_root
    for index, part in enumerate(parts):
        step = _component(real_root, current, part, rel, index == len(parts) - 1)
        if step is None:
            return None
        current = step
    return current


def _component(real_root: str, current: str, part: str, rel: str, last: bool) -> str | None:
    """`current/part` as a real path inside the site (a link followed), else UnsafePath; None when it is absent, or is
    not a folder though not `last`."""
    if part == ".." or os.sep in part:
        raise UnsafePath(rel, LEAVES)
    candidate = f"{current}{os.sep}{part}"  # strings, not Path objects: this runs for every file of a site
    try:
        st = os.lstat(candidate)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISLNK(st.st_mode):
        target = os.path.realpath(candidate)
        if target != real_root and not target.startswith(real_root + os.sep):
            raise UnsafePath(rel, LEAVES)
        return target
    if not last and not stat.S_ISDIR(st.st_mode):
        return None
    return candidate


def is_file(root: Path, rel: str) -> bool:
    """Whether `root/rel` is a regular file the policy lets the tool read."""
    try:
        path = resolve_inside(root, rel)
    except UnsafePath:
        return False
    return path is not None and stat.S_ISREG(_stat(path))


def _stat(path: str | Path) -> int:
    try:
        return os.stat(path).st_mode
    except OSError:
        return 0


def read_bytes(root: Path, rel: str, limit: int | None = None, folders: dict[str, str | None] | None = None) -> bytes:
    """The bytes of `root/rel` under the policy; FileNotFoundError when absent, UnsafePath when refused, OSError otherwise.

    With `limit`, a file over it raises `TooLarge` after reading at most `limit + 1` bytes. `folders` keeps each folder's
    real path for the next file of the same folder (one read of many files: discover), whose components are then checked
    once for all of them."""
    path = _resolved(root, rel, folders)
    if path is None:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", rel)
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePath(rel, NOT_REGULAR)
        if limit is not None and st.st_size > limit:
            raise TooLarge(rel, st.st_size, limit)
        data = _read_all(fd, st.st_size, limit)
    finally:
        os.close(fd)
    if limit is not None and len(data) > limit:
        raise TooLarge(rel, len(data), limit)
    return data


def _read_all(fd: int, size: int, limit: int | None) -> bytes:
    """The bytes of `fd` (a regular file `size` bytes long when it was opened) to its end, or its first `limit + 1`."""
    cap = limit + 1 if limit is not None else None
    chunks: list[bytes] = []
    got = 0
    while cap is None or got < cap:
        want = size + 1 - got if got <= size else 1 << 16  # all of it and one more byte (the end), then on if it grew
        chunk = os.read(fd, want if cap is None else min(want, cap - got))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class TooLarge(Exception):
    """A file over the size it may have."""

    def __init__(self, rel: str, size: int, limit: int) -> None:
        super().__init__(f"{rel} is {size:,} bytes, over the limit of {limit:,}")
        self.size = size
        self.limit = limit


def walk(root: Path, folder: str) -> Iterator[tuple[str, str | None]]:
    """Every entry under `root/folder` but editors' leftovers (`leftover`), sorted, as (path relative to the root, None) for
    a readable file or (path, why it is refused)."""
    try:
        start = resolve_inside(root, folder)
    except UnsafePath as exc:
        yield folder, exc.reason
        return
    if start is None or not stat.S_ISDIR(_stat(start)):
        return
    yield from _walk(_real_root(root), start, folder)


def _walk(real_root: Path, directory: Path, prefix: str) -> Iterator[tuple[str, str | None]]:
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if leftover(entry.name):
            continue
        rel = f"{prefix}/{entry.name}"
        if entry.is_symlink():
            target = Path(os.path.realpath(entry.path))
            mode = _stat(target)
            if not target.is_relative_to(real_root):
                yield rel, LEAVES
            elif not mode:
                yield rel, BROKEN_LINK
            elif stat.S_ISDIR(mode):
                yield rel, FOLDER_LINK
            elif stat.S_ISREG(mode):
                yield rel, None
            else:
                yield rel, NOT_REGULAR
        elif entry.is_dir(follow_symlinks=False):
            yield from _walk(real_root, Path(entry.path), rel)
        elif entry.is_file(follow_symlinks=False):
            yield rel, None
        else:
            yield rel, NOT_REGULAR


def refuse_link(path: Path, what: str) -> None:
    """Raise UnsafePath when `path` (a folder the tool writes: the output, the cache, a target) or one of its parents inside is a link."""
    if os.path.islink(path):
        raise UnsafePath(
            str(path), f"is a link ({what} may not be one: it would send writes elsewhere); remove it, or name the folder itself"
        )
