"""Write a build's files into a folder all at once: assembled beside it, then swapped in; never outside it."""

from __future__ import annotations

import os
import posixpath
import shutil
from collections.abc import Mapping
from pathlib import Path

from .errors import UsageError

MARKER = ".pipeline-build"


def safe_path(rel: str) -> bool:
    """Whether `rel` is a plain relative path that stays inside its folder."""
    if not rel or "\\" in rel or "\x00" in rel or rel.startswith("/"):
        return False
    normal = posixpath.normpath(rel)
    return normal == rel and not normal.startswith("../") and normal != ".."


def write_tree(files: Mapping[str, bytes], out: Path, root: Path) -> None:
    """Replace `out` with exactly `files`; refuse a folder that is the site itself or not an earlier build."""
    out = out.resolve()
    root = root.resolve()
    if out == root or root.is_relative_to(out) or out.is_relative_to(root / "content"):
        raise UsageError(f"refusing to build into {out}: it holds the site's own files")
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UsageError(f"refusing to replace {out}: it is not empty and was not written by `pipeline build`")
    bad = sorted(rel for rel in files if not safe_path(rel))
    if bad:
        raise UsageError(f"refusing to write outside the output folder: {', '.join(bad)}")
    staging = out.with_name(f".{out.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    for rel, data in sorted(files.items()):
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (staging / MARKER).write_bytes(b"")
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)
