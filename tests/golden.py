"""Golden output of the sample site: `python tests/golden.py --write` (or `make golden`) regenerates it."""

from __future__ import annotations

import shutil
import sys
from datetime import datetime
from pathlib import Path

from pipeline.build.describe import build

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "sample"
NOW = datetime.fromisoformat("2026-11-26T12:00:00+00:00")


def sample_output() -> dict[str, bytes]:
    """The sample site's build as of NOW, the clock the golden files were made with."""
    return dict(build(ROOT, now=NOW).files)


def stored() -> dict[str, bytes]:
    return {p.relative_to(GOLDEN).as_posix(): p.read_bytes() for p in sorted(GOLDEN.rglob("*")) if p.is_file()}


def write() -> None:
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for rel, data in sample_output().items():
        target = GOLDEN / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    print(f"wrote {len(list(GOLDEN.rglob('*.*')))} files under {GOLDEN.relative_to(ROOT)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/golden.py --write")
    write()
