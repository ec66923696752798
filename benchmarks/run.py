"""Time builds and validation on synthetic corpora beside Hugo: `python benchmarks/run.py [--pairs 1000 5000] [--repeat 3] [--readme]`.

Prints, per corpus size, the median cold build (wall and CPU), no-op rebuild, one-edit rebuild,
validate and one-edit publish time, the peak memory of a cold build, and pages a second, as a table and as JSON; when
`hugo` is installed (`make bench`), Hugo's cold build, rebuild after one edit and peak memory on the
same corpus (`benchmarks/corpus.py --hugo` with `benchmarks/hugo.py`'s layouts), measured in the
same run, each of Hugo's builds right after one of ours (the machine's speed drifts), with the ratio
per goal (ours/Hugo's) and whether the goal holds. `--readme` rewrites the README's Performance
table (between its markers) from this run.

Each measurement runs the real command in a fresh process, start-up included, from compiled bytecode as
an installed tool does. A cold build has no
cache and no earlier output; memory is the peak of the whole process tree (the command and its
workers), as the sum of their proportional set sizes (shared pages counted once), sampled every
10 ms; CPU is user plus system time of the tree. Nothing the run writes is deleted before it ends (`fresh`: a deletion
would slow the file creations of the next minutes on this machine's disk). The disk floor is what creating the cold build's
folders and files takes with plain system calls: the part of a cold build no program can save on
this machine. The start-up floor is what a fresh process takes to start Python and load the libraries a build is
made with (Jinja2, PyYAML, click, Babel with both locales' data, cmarkgfm, jsonschema-rs, nh3, orjson) before it reads a
file: the part of a one-edit build from the command line no change to this tool's own code can save. An edit served is
the time from saving one article to `pipeline serve` serving its new page (the median, and the slowest edit of a
writer's session: 33 articles edited, each two seconds after the last was served), and an edit written the time until
`pipeline build --watch` has written it
to the folder. A publish after one edit goes to the corpus's local target, once the site
is live; what comes before sending is `publish --dry-run`'s time after an edit (validating, building, planning).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hugo
from corpus import write, write_hugo
from report import README, rewrite_readme, table

from pipeline.build.incremental import REFRESH

NOW = "2026-11-26T12:00:00+00:00"
COLD = 5  # cold builds of each tool at the least, alternated
# As an installed tool runs: from compiled bytecode (pip compiles on install; a shell with PYTHONDONTWRITEBYTECODE
# set would otherwise make every measured command compile the whole package from source again).
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak memory (kB, the process tree's summed PSS) of one command in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with tempfile.TemporaryFile() as said:  # not a pipe: a command that says more than a pipe holds would wait for it forever
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=said, env=ENV)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_pss(process.pid))
            time.sleep(0.01)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        said.seek(0)
        stderr = said.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, peak


def pipeline(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", *args]


def _tree_pss(pid: int) -> int:
    """The summed proportional set size (kB) of `pid` and its descendants, 0 if it is gone."""
    total = 0
    for member in _tree(pid):
        try:
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def _tree(pid: int) -> list[int]:
    found = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += _tree(int(child))
    except OSError:
        pass
    return found


def measure(pairs: int, repeat: int, folder: Path, settled: float = 0.0) -> dict[str, float]:
    """One corpus size's figures. Nothing the run wrote is deleted before the run ends (`fresh`): every cold build, ours and
    Hugo's, and every measure of the disk floor writes into a folder of its own. The first cold build waits until the
    monotonic clock's `settled` (see `main`)."""
    site = folder / f"site-{pairs}"
    write(pairs, site)
    rival = Hugo(pairs, folder) if shutil.which("hugo") else None
    os.sync()
    time.sleep(max(0.0, settled - time.monotonic()))
    cold, edits = [], []
    # Each of ours beside one of Hugo's (the machine's speed drifts, and the ratio is what counts), at least COLD times:
    # Hugo's own cold build moves by a fifth from one build to the next, and a median of 3 of them moved the ratio as much.
    for _ in range(max(repeat, COLD)):
        shutil.rmtree(site / ".pipeline-cache", ignore_errors=True)  # a few dozen files
        out = fresh(folder, f"out-{pairs}")
        build = pipeline("build", "--root", str(site), "--out", str(out), "--now", NOW)
        cold.append(timed(build))
        if rival is not None:
            rival.cold()
    noop = [timed(build)[0] for _ in range(repeat)]
    for n in range(repeat):
        _edit(site, n)
        edits.append(timed(build)[0])
        if rival is not None:
            rival.edit(n)
    served, slowest = serve_edit(site, repeat)
    watched = watch_edit(site, out, repeat)
    validate_cached = [timed(pipeline("validate", "--root", str(site)))[0] for _ in range(repeat)]  # as an editor after a build
    shutil.rmtree(site / ".pipeline-cache")
    validate = [timed(pipeline("validate", "--root", str(site)))[0] for _ in range(repeat)]  # as CI on a fresh clone
    planned, published = publish_edits(site, repeat)
    pages = sum(1 for _ in out.rglob("*.html"))
    files = sum(1 for p in out.rglob("*") if p.is_file())
    floor = statistics.median(write_floor(out, fresh(folder, f"floor-{pairs}")) for _ in range(repeat))
    startup = statistics.median(timed([sys.executable, "-c", STARTUP])[0] for _ in range(max(repeat, 5)))
    median_cold = statistics.median(c[0] for c in cold)
    row: dict[str, float] = {
        "pairs": pairs,
        "pages": pages,
        "files": files,
        "cold_s": round(median_cold, 3),
        "cold_cpu_s": round(statistics.median(c[1] for c in cold), 3),
        "noop_s": round(statistics.median(noop), 3),
        "one_edit_s": round(statistics.median(edits), 3),
        "serve_edit_s": round(served, 3),
        "serve_slowest_s": round(slowest, 3),
        "watch_edit_s": round(watched, 3),
        "validate_s": round(statistics.median(validate), 3),
        "validate_cached_s": round(statistics.median(validate_cached), 3),
        "publish_plan_s": round(planned, 3),
        "publish_edit_s": round(published, 3),
        "peak_mb": round(max(c[2] for c in cold) / 1024, 1),
        "pages_per_s": round(pages / median_cold),
        "write_floor_s": round(floor, 3),
        "startup_floor_s": round(startup, 3),
        "cores": os.cpu_count() or 1,
    }
    if rival is not None:
        row |= rival.figures()
    return row


def _edit(site: Path, n: int) -> None:
    """The benchmark's edit: one English article's body (a heading's text), different each time."""
    target = site / "content/en/a0.md"
    target.write_text(target.read_text("utf-8").replace("Section 1", f"Section 1 (edit {n})", 1), encoding="utf-8")


class Hugo:
    """Hugo on the same corpus (`corpus.write_hugo` with `hugo.py`'s layouts): its cold build, its rebuild after one edit (a
    whole build: Hugo's command line has no incremental build) and its peak memory, each measured right after ours.

    Each cold build writes into a folder of its own, with a cache folder of its own (`fresh`), as ours do: see `measure`."""

    def __init__(self, pairs: int, folder: Path) -> None:
        self.site, self.folder, self.pairs = folder / f"hugo-site-{pairs}", folder, pairs
        write_hugo(pairs, self.site)
        hugo.add_layouts(self.site)
        self.out = fresh(folder, f"hugo-out-{pairs}")  # the last cold build's (`cold`), which the edits rebuild
        self.colds: list[tuple[float, float, int]] = []
        self.edits: list[float] = []

    def cold(self) -> None:
        self.out = fresh(self.folder, f"hugo-out-{self.pairs}")
        shutil.rmtree(self.site / "resources", ignore_errors=True)  # what Hugo made of the site's assets: here a few empty folders
        self.colds.append(timed(hugo.command(self.site, self.out)))

    def edit(self, n: int) -> None:
        _edit(self.site, n)
        self.edits.append(timed(hugo.command(self.site, self.out))[0])

    def figures(self) -> dict[str, float]:
        """The medians of what was measured, and how many files Hugo wrote."""
        return {
            "hugo_cold_s": round(statistics.median(c[0] for c in self.colds), 3),
            "hugo_cold_cpu_s": round(statistics.median(c[1] for c in self.colds), 3),
            "hugo_one_edit_s": round(statistics.median(self.edits), 3),
            "hugo_peak_mb": round(max(c[2] for c in self.colds) / 1024, 1),
            "hugo_files": sum(1 for p in self.out.rglob("*") if p.is_file()),
        }


def publish_edits(site: Path, repeat: int) -> tuple[float, float]:
    """Median seconds of `publish --dry-run` (validating, building and planning: all but sending) and of `publish` to the
    corpus's local target (whose sending is hard-linking the deploy's files), each right after one edit, the site live."""
    publish = pipeline("publish", "--root", str(site), "--yes")
    timed(publish)  # the first publish sends everything
    target = site / "content/en/a0.md"
    planned, published = [], []
    for n in range(repeat):
        for times, command in ((planned, [*publish, "--dry-run"]), (published, publish)):
            target.write_text(target.read_text("utf-8").replace("Section 1", f"Section 1 (published {n})", 1), encoding="utf-8")
            times.append(timed(command)[0])
    return statistics.median(planned), statistics.median(published)


def serve_edit(site: Path, repeat: int) -> tuple[float, float]:
    """Median seconds from saving an edit to one article to `pipeline serve` serving the new page (polled every 5 ms), and
    the slowest edit of a writer's session after it: SESSION edits of different articles, each saved PAUSE seconds after
    the last was served (the pauses are when the preview lets a session's old plans go: build/preview.py)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--root", str(site), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=ENV,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if "serving" not in line:
            raise SystemExit(f"pipeline serve did not start: {line}")
        base = line.split(" on ")[1].split()[0].rstrip("/")
        found = [_served(site, base, 0, f"Served edit {n}") for n in range(repeat + 1)]
        session = []
        articles = sum(1 for _ in (site / "content/en").glob("a*.md"))  # a corpus smaller than a session edits some twice
        for n in range(1, SESSION + 1):
            time.sleep(PAUSE)
            session.append(_served(site, base, n % articles, f"Session edit {n}"))
        return statistics.median(found[1:]), max(session)  # the first edit after start-up is not counted: threads warming up
    finally:
        process.terminate()
        process.wait(10)


SESSION = 2 * REFRESH + 1
PAUSE = 2.0  # seconds a writer looks at the page before saving again


def _served(site: Path, base: str, article: int, said: str) -> float:
    """Seconds from saving an edit to article `a<article>` to the preview serving its new page."""
    target = site / f"content/en/a{article}.md"
    marker = f"{said} {time.time_ns()}"  # not on the page before
    text = target.read_text("utf-8").replace("Section 1", f"Section 1 ({marker})", 1)
    start = time.perf_counter()
    target.write_text(text, encoding="utf-8")
    while marker not in _get(f"{base}/en/a{article}/"):
        if time.perf_counter() - start > 60:
            raise SystemExit("pipeline serve did not serve the edit within 60 s")
        time.sleep(0.005)
    return time.perf_counter() - start


def watch_edit(site: Path, out: Path, repeat: int) -> float:
    """Median seconds from saving an edit to one article to `pipeline build --watch` having written its new page to `out`."""
    command = [*pipeline("build", "--watch", "--root", str(site), "--out", str(out), "--now", NOW)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        line = process.stderr.readline() if process.stderr else ""
        while line and "watching" not in line:  # what the first build noted about the cache
            line = process.stderr.readline() if process.stderr else ""
        if "watching" not in line:
            raise SystemExit("pipeline build --watch did not start watching")
        target, page, found = site / "content/en/a0.md", out / "en/a0/index.html", []
        for n in range(repeat + 1):  # the first edit is not counted, as with `serve`
            marker = f"Watched edit {n} {time.time_ns()}"
            text = target.read_text("utf-8").replace("Section 1", f"Section 1 ({marker})", 1)
            start = time.perf_counter()
            target.write_text(text, encoding="utf-8")
            while marker not in _read(page):
                if time.perf_counter() - start > 60:
                    raise SystemExit("pipeline build --watch did not write the edit within 60 s")
                time.sleep(0.005)
            found.append(time.perf_counter() - start)
            time.sleep(0.5)  # the build's cache is written after its files: the next edit is a build of its own
        return statistics.median(found[1:])
    finally:
        process.terminate()
        process.wait(30)


def _read(page: Path) -> str:
    try:
        return page.read_text("utf-8")
    except OSError:  # between the old file and the new one's rename: not there for an instant
        return ""


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


# What every command's process does before it reads a file: start Python and load the libraries a build is made with,
# with both locales' data (a page's dates and plural rules); the floor under any one-edit build from the command line.
STARTUP = """
import datetime
import babel.dates, click, cmarkgfm, jinja2, jsonschema_rs, nh3, orjson, yaml
from yaml import CSafeLoader
for name in ("en", "he"):
    locale = babel.Locale.parse(name)
    locale.english_name, locale.character_order, babel.dates.format_date(datetime.date(2026, 1, 1), locale=locale)
"""


def write_floor(built: Path, scratch: Path) -> float:
    """Seconds this machine's disk takes to create the same folders and files with plain system calls, one process, into
    `scratch` (a folder that does not exist yet, left for the run's end: see `fresh`)."""
    files = [(p.relative_to(built).as_posix(), p.read_bytes()) for p in built.rglob("*") if p.is_file()]
    start = time.perf_counter()
    for rel, data in files:
        target = scratch / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return time.perf_counter() - start


def fresh(folder: Path, name: str) -> Path:
    """A new folder's path in `folder` (`name-1`, `name-2`, …), for one build to write into; nothing is deleted to make room.

    On ext4 without a journal (the project's machine's disk), every file created within a minute of many files being
    deleted (six minutes while their inode table is still unwritten) costs the kernel a scan past each of them
    (`recently_deleted` in fs/ext4/ialloc.c): a cold build right after deleting an earlier build's 4,600 files spent up to
    5 s more in the kernel, and how much depended on the seconds since. The whole run's folder is removed when it ends."""
    number = 1
    while (folder / f"{name}-{number}").exists():
        number += 1
    return folder / f"{name}-{number}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--readme", action="store_true", help=f"Rewrite the Performance table in {README} from this run.")
    parser.add_argument(
        "--from-json", type=Path, help="Print (and with --readme, write) the tables of an earlier run's JSON; measure nothing."
    )
    args = parser.parse_args()
    if args.from_json:
        rows = json.loads(args.from_json.read_text(encoding="utf-8"))
        print(table(rows))
        if args.readme:
            rewrite_readme(README, rows)
        return
    if not shutil.which("hugo"):
        print("hugo is not installed (`make bench` installs Debian's): Hugo's columns are left empty", file=sys.stderr)
    import pipeline

    compileall.compile_dir(Path(pipeline.__file__).parent, quiet=1)  # every measured command starts as an installed one does
    # What was deleted just before the run (a test run's folders, an earlier run's) would slow its first cold builds' file
    # creations (`fresh`): once written out (os.sync), a deleted inode is skipped for a minute, so the first waits that long.
    os.sync()
    settled = time.monotonic() + 61
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as folder:
        rows = [measure(pairs, args.repeat, Path(folder), settled) for pairs in args.pairs]
    print(table(rows))
    print(json.dumps(rows, indent=2))
    if args.readme:
        rewrite_readme(README, rows)
        print(f"rewrote the Performance table in {README}")


if __name__ == "__main__":
    main()
