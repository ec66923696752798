"""What an ssh publish costs: `python benchmarks/ssh.py [--pairs 1000 5000] [--repeat 3]`.

For each corpus size: builds the synthetic site (benchmarks/corpus.py) and publishes it with the real `pipeline publish`
command, in a fresh process from compiled bytecode, to a real OpenSSH server on loopback (tests/ssh_server.py; `make test`
installs it), then publishes it again after one edit, `--repeat` times. Prints, per publish, the files of the site, the
files and bytes the receipt says were sent, and the median wall and CPU time of the command (rsync and ssh included).
"""

from __future__ import annotations

import argparse
import compileall
import getpass
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import ssh_server
from corpus import write
from run import ENV

import pipeline


def publish(site: Path, environment: dict[str, str]) -> tuple[float, float, dict[str, object]]:
    """Wall and CPU seconds of one `pipeline publish` (its children included), and its receipt."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "publish", "--root", str(site), "--format", "json", "--yes"],
        capture_output=True,
        text=True,
        env=ENV | environment,
        check=False,
    )
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"pipeline publish failed:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, cpu, json.loads(done.stdout)["receipt"]


def measure(pairs: int, repeat: int, folder: Path) -> list[dict[str, object]]:
    site = folder / f"site-{pairs}"
    write(pairs, site)
    with ssh_server.running(folder / f"keys-{pairs}") as (port, environment):
        target = f"targets:\n  default:\n    type: ssh\n    host: 127.0.0.1\n    port: {port}\n    user: {getpass.getuser()}\n"
        target += f"    path: {folder / f'server-{pairs}'}\n    keep: 2\n"
        config = site / "site.yaml"
        text = config.read_text("utf-8")
        config.write_text(text[: text.index("targets:")] + target + text[text.index("tags:") :], encoding="utf-8")
        rows = []
        for label, runs in (("first publish", 1), ("after one edit", repeat)):
            timings = []
            for n in range(runs):
                if label != "first publish":
                    article = site / "content/en/a0.md"
                    article.write_text(article.read_text("utf-8").replace("Section 1", f"Section 1 (edit {n})", 1), encoding="utf-8")
                timings.append(publish(site, environment))
            receipt = timings[-1][2]
            rows.append(
                {
                    "pairs": pairs,
                    "publish": label,
                    "files": receipt["total"],
                    "sent": receipt["uploaded"],
                    "sent_kb": round(int(receipt["uploaded_bytes"]) / 1e3, 1),  # type: ignore[call-overload]
                    "wall_s": round(statistics.median(t[0] for t in timings), 2),
                    "cpu_s": round(statistics.median(t[1] for t in timings), 2),
                }
            )
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not ssh_server.available():
        raise SystemExit("needs openssh-server and rsync (`make test` installs them)")
    compileall.compile_dir(Path(pipeline.__file__).parent, quiet=1)
    rows = []
    with tempfile.TemporaryDirectory(prefix="pipeline-ssh-bench-") as folder:
        for pairs in args.pairs:
            rows += measure(pairs, args.repeat, Path(folder))
    print("| pairs | publish | files | sent | wall | CPU |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(
            f"| {row['pairs']:,} | {row['publish']} | {row['files']:,} | {row['sent']:,} ({row['sent_kb']} kB) | {row['wall_s']} s | {row['cpu_s']} s |"
        )
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
