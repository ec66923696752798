"""The build cache in <site>/.pipeline-cache/: plain results of the last build, sealed with this user's key; a bad one is discarded.

Only the standard library is imported here: the no-op check runs before anything heavy is loaded.
A cache is trusted only when its seal (a keyed BLAKE2b over its bytes, with a key kept outside
the site in ~/.cache/pipeline/) matches, so a cache committed to a repository, copied from another
machine or damaged on disk is never read, only reported and replaced.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import hmac
import marshal
import os
import shutil
import stat
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline import PACKAGE, __version__
from pipeline.sitepaths import leftover

CACHE_DIR = ".pipeline-cache"
FORMAT = 2  # 2: sealed with HMAC-SHA256 (it was keyed BLAKE2b, a third as fast here)
_MAC_BYTES = 32
_UNUSED_S = 7 * 24 * 3600  # another version's compiled templates untouched this long are removed
_MAX_COMPILED = 2000  # compiled templates kept (a few dozen per site, locale and state of its templates and catalogs)


class Discarded(Exception):
    """The cache could not be trusted; the message says why (it is then rebuilt from nothing)."""


@functools.cache
def _header() -> bytes:
    """The cache's first line: its format, this tool's version and a digest of its own files, and the Python it runs on."""
    python = f"{sys.implementation.name}-{sys.version_info[0]}.{sys.version_info[1]}"
    return f"pipeline-cache {FORMAT} {__version__}+{package_digest().hex()[:16]} {python}\n".encode()


@functools.cache
def package_digest() -> bytes:
    """A digest of this tool's own files (its code, theme and schemas), read once a process: the code it runs does not change under it."""
    digest = hashlib.blake2b(digest_size=20)
    for path, name in _walk(PACKAGE, ""):
        if not name.endswith(".pyc"):
            digest.update(name.encode() + b"\0" + Path(path).read_bytes() + b"\0")
    return digest.digest()


def _key_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pipeline" / "cache-key"


def _key() -> bytes | None:
    """This user's sealing key, made on first use; None when it cannot be kept (then nothing is cached)."""
    path = _key_path()
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".cache-key-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(os.urandom(32))  # what secrets.token_bytes(32) is
        os.replace(tmp, path)  # if two builds race, both keys are whole and the last one wins
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == 32 else None


def templates_folder() -> Path | None:
    """Where compiled templates are kept for this version of the tool: beside the key, never in a site (the checkout cannot write
    there, and the bytecode is only ever this tool's own compilation); other versions' folders unused for a week are removed. None when it cannot be."""
    parent = _key_path().parent / "templates"
    folder = parent / _header().split(b" ")[2].decode("ascii").replace("+", "-")
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if folder.is_symlink() or not folder.is_dir():
            return None
        for entry in os.scandir(parent):  # another version's, unused for a week (another install may still be using a newer one)
            if entry.name != folder.name and entry.is_dir(follow_symlinks=False) and entry.stat().st_mtime < time.time() - _UNUSED_S:
                shutil.rmtree(entry.path, ignore_errors=True)
        if sum(1 for _ in os.scandir(folder)) > _MAX_COMPILED:  # each edit of a site's templates or catalogs compiles them anew
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(mode=0o700)
    except OSError:
        return None
    return folder


def _seal(key: bytes, payload: bytes | memoryview) -> bytes:
    """The payload's seal: HMAC-SHA256 under this user's key (OpenSSL's, with the CPU's SHA instructions: ~1.7 GB/s on the
    project's machine, where keyed BLAKE2b does 0.6; a one-edit build at 5,000 pairs reads and writes ~50 MB of cache)."""
    return hmac.digest(key, payload, "sha256")


def unsafe(root: Path) -> str | None:
    """Why the cache folder may not be used: it, or an entry in it, is a link (writes and deletions would land elsewhere)."""
    folder = root / CACHE_DIR
    if folder.is_symlink():
        return f"{folder} is a link; remove it (the tool writes and deletes in its cache, never through a link)"
    try:
        links = sorted(entry.name for entry in os.scandir(folder) if entry.is_symlink())
    except OSError:
        return None
    if links:
        return f"{folder / links[0]} is a link; delete {folder} (the tool writes and deletes in its cache, never through a link)"
    return None


def read(root: Path, name: str) -> Any:
    """The value last written under `name`, or None if there is none; raises Discarded if it cannot be trusted."""
    path = root / CACHE_DIR / name
    why = unsafe(root)
    if why:
        raise Discarded(why)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise Discarded(f"{path} is not a regular file")
            data = handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise Discarded(f"{path} cannot be read ({exc.strerror})") from exc
    header = _header()
    if not data.startswith(b"pipeline-cache "):
        raise Discarded(f"{path} is not a pipeline cache file")
    if not data.startswith(header):
        made = data.split(b"\n", 1)[0].decode("ascii", "replace")
        raise Discarded(f"{path} was made by another version ({made!r}, this is {header.decode().strip()!r})")
    key = _key()
    view = memoryview(data)
    mac, payload = view[len(header) : len(header) + _MAC_BYTES], view[len(header) + _MAC_BYTES :]
    if key is None or not hmac.compare_digest(bytes(mac), _seal(key, payload)):
        raise Discarded(f"{path} was not made by this user's pipeline, or was changed since (its seal does not match)")
    try:
        return _loads(payload)
    except (EOFError, ValueError, TypeError) as exc:  # pragma: no cover - a sealed payload is our own
        raise Discarded(f"{path} is damaged ({exc})") from exc


def _loads(payload: memoryview) -> Any:
    """Builtins from their marshal form, with the garbage collector paused: plain data holds no cycles, and a state's
    hundreds of thousands of new tuples would otherwise set off collections of the whole heap (half the time it takes)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return marshal.loads(payload)
    finally:
        if enabled:
            gc.enable()


def write(root: Path, name: str, value: Any) -> bool:
    """Seal and store `value` (builtins only) under `name`, atomically; False when there is no key to seal it with."""
    key = _key()
    if key is None or unsafe(root):
        return False
    folder = root / CACHE_DIR
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# pipeline's build cache: never commit it\n*\n", encoding="utf-8")
    payload = marshal.dumps(value)
    tmp = folder / f".{name}.{os.getpid()}.tmp"
    tmp.write_bytes(_header() + _seal(key, payload) + payload)
    os.replace(tmp, folder / name)
    return True


def remove(root: Path, name: str) -> None:
    """Forget what is stored under `name`."""
    (root / CACHE_DIR / name).unlink(missing_ok=True)


def stats(root: Path, folders: Iterable[str], files: Iterable[str]) -> bytes:
    """A digest of the size, modification and change times of every file under `folders` and of `files`, and of this tool's own files."""
    lines = [_stat_line(root / rel, rel) for rel in sorted(files)]
    for rel in sorted(folders):
        lines += [_stat_line(path, name) for path, name in _walk(root / rel, rel)]
    lines += [_stat_line(path, name) for path, name in _walk(PACKAGE, "<pipeline>") if not name.endswith(".pyc")]
    return hashlib.blake2b(b"".join(lines), digest_size=20).digest()


def _stat_line(path: str | Path, name: str) -> bytes:
    try:
        st = os.stat(path)
    except OSError:
        return f"{name}\0-\n".encode()
    # ctime too: an edit that keeps the size and the modification time (set back by hand, or within a tick) still changes it
    return f"{name}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\n".encode()


def _walk(folder: Path, prefix: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return found
    for entry in sorted(entries, key=lambda e: e.name):
        if leftover(entry.name):  # as no build reads one: an editor's backup or lock comes and goes without making a build due
            continue
        name = f"{prefix}/{entry.name}"
        if entry.is_dir(follow_symlinks=True):
            if entry.name != "__pycache__":
                found += _walk(Path(entry.path), name)
        else:
            found.append((entry.path, name))
    return found
