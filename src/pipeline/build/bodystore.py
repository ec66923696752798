"""Prepared body HTML kept between builds in .pipeline-cache/bodies/: appended to pack files, found by (digest, pack, offset, length).

Each process appends to a pack of its own (one file for many bodies: creating a file costs far
more than writing one), and a body is checked against its digest when it is read back.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from pipeline.build.cache import CACHE_DIR
from pipeline.content.sources import text_digest

FOLDER = "bodies"
_PACK = re.compile(r"[0-9a-f]{16}\.pack")
Stored = tuple[str, str, int, int]  # digest, pack file name, offset, length in bytes

_pack: tuple[int, str, int] | None = None  # this process's pack: (pid, name, file descriptor)


def save(root: Path, text: str) -> Stored:
    """Append `text` to this process's pack; where it is."""
    global _pack
    if _pack is None or _pack[0] != os.getpid():
        folder = root / CACHE_DIR / FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{os.urandom(8).hex()}.pack"
        _pack = (os.getpid(), name, os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644))
    _, name, fd = _pack
    data = text.encode("utf-8", "surrogatepass")
    offset = os.lseek(fd, 0, os.SEEK_END)
    os.write(fd, data)  # unbuffered: a worker may end without flushing anything
    return text_digest(text), name, offset, len(data)


def close() -> None:
    """Close this process's pack (the next save starts a new one)."""
    global _pack
    if _pack is not None and _pack[0] == os.getpid():
        os.close(_pack[2])
    _pack = None


def load(root: Path, stored: Stored) -> str | None:
    """The body stored at `stored`; None when it is missing or is not what its digest says (then it is made again)."""
    name, pack, offset, length = stored
    try:
        with open(root / CACHE_DIR / FOLDER / pack, "rb") as handle:
            handle.seek(offset)
            text = handle.read(length).decode("utf-8", "surrogatepass")
    except (OSError, UnicodeDecodeError):
        return None
    return text if text_digest(text) == name else None


def keep_only(root: Path, live: Mapping[str, Stored]) -> dict[str, Stored]:
    """Remove packs no body in `live` is in; when most of what is stored is dead, copy the live bodies into one new pack.

    Returns where the live bodies are now (by the same keys).
    """
    folder = root / CACHE_DIR / FOLDER
    try:
        if folder.is_symlink():
            return dict(live)
        sizes = {entry.name: entry.stat(follow_symlinks=False).st_size for entry in os.scandir(folder)}
    except OSError:
        return dict(live)
    used = sum(length for _, _, _, length in live.values())
    if sum(sizes.values()) > 2 * used + (1 << 20):
        live = _repack(root, live)
    packs = {pack for _, pack, _, _ in live.values()}
    for name in sizes:
        if name not in packs and _PACK.fullmatch(name):  # only the packs this tool made: nothing else is deleted
            (folder / name).unlink(missing_ok=True)
    return dict(live)


def _repack(root: Path, live: Mapping[str, Stored]) -> dict[str, Stored]:
    close()
    moved: dict[str, Stored] = {}
    for key, stored in live.items():
        text = load(root, stored)
        if text is not None:
            moved[key] = save(root, text)
    close()
    return moved
