"""In-process validate after one edit, as `serve` runs it: `python benchmarks/validate_edit.py [--pairs 1000] [--repeat 7]`.

Writes a corpus (benchmarks/corpus.py), validates it once (the memo's first fill), waits past the
racy second, then per kind of edit (an article's body, its translation's body, a front-matter field)
times `validate(root, known, memo)` with the last validate's memo, several times each (each repeat
edits again), and prints the median and minimum wall and CPU (process) time, with how many of the
memo's units were worked out again; then the same with the collector's objects frozen (gc.freeze(),
as `serve` may do once the site is in memory). The figure of a validate without a memo (every check
across files redone) is printed beside them. A quiet machine gives the minimum.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write

from pipeline.validate import Validation, validate

EDITS = {
    "article body": ("content/en/a0.md", "\nOne more sentence, edit {n}.\n"),
    "translation body": ("content/he/a1.md", "\nעוד משפט, עריכה {n}.\n"),
    "front matter": ("content/en/a2.md", None),
}


def _edit(root: Path, rel: str, added: str | None, n: int) -> None:
    path = root / rel
    text = path.read_text("utf-8")
    if added is None:  # a new summary: the front matter changes, the body does not
        head, _, rest = text.partition("\nsummary: ")
        text = f"{head}\nsummary: Summary edited {n}.\n" + rest.partition("\n")[2]
    else:
        text += added.format(n=n)
    path.write_text(text, encoding="utf-8")


def _timed(call: Callable[[], Validation]) -> tuple[float, float, Validation]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "site"
        write(args.pairs, root)
        last = validate(root)
        time.sleep(1.1)  # files seen within a second are read again next time (their stamps may not show an edit)
        last = validate(root, last.records, 1, last.memo)
        figures = {}
        for frozen in (False, True):
            gc.collect()
            if frozen:  # what `serve` can do once the site is in memory: the collector no longer walks the objects kept
                gc.freeze()
            for name, (rel, added) in EDITS.items():
                walls, cpus, redone = [], [], []
                for n in range(args.repeat):
                    _edit(root, rel, added, n + frozen * args.repeat)
                    wall, cpu, last = _timed(partial(validate, root, last.records, 1, last.memo))
                    walls.append(wall)
                    cpus.append(cpu)
                    redone.append(last.memo.redone)
                figures[name + (", gc.freeze()" if frozen else "")] = {
                    "wall_median_ms": round(statistics.median(walls) * 1000, 1),
                    "wall_min_ms": round(min(walls) * 1000, 1),
                    "cpu_median_ms": round(statistics.median(cpus) * 1000, 1),
                    "units_redone": max(redone),
                }
        walls = [_timed(partial(validate, root, last.records, 1))[0] for _ in range(3)]
        figures["without the memo (article records only)"] = {"wall_median_ms": round(statistics.median(walls) * 1000, 1)}
    width = max(map(len, figures))
    print(f"validate after one edit, in process, {args.pairs:,} pairs, {args.repeat} edits each")
    for name, row in figures.items():
        print(f"  {name:<{width}}  " + "  ".join(f"{key} {value}" for key, value in row.items()))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
