"""A file's stat as a memo key: what a result read from the file is kept by, unless the file changed within the racy second."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pipeline.content.sources import RACY_NS


def stamp_key(root: Path, rel: str, limit: int) -> str | None:
    """The stat of the file at `rel` and of what it leads to (inode, device, size, times, mode) with `limit`; None when it cannot
    be trusted to show the next change (changed within a second) or the file is gone."""
    path = os.path.join(root, rel)
    try:
        own, led = os.lstat(path), os.stat(path)
    except OSError:
        return None
    racy = time.time_ns() - RACY_NS
    if max(own.st_mtime_ns, own.st_ctime_ns, led.st_mtime_ns, led.st_ctime_ns) >= racy:
        return None
    return (
        ":".join(str(v) for st in (own, led) for v in (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode))
        + f":{limit}"
    )
