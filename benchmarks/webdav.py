"""Requests and bytes a WebDAV publish costs: `python benchmarks/webdav.py [--pairs 1000 5000] [--rtt 0.02]`.

For each corpus size: builds the synthetic site (benchmarks/corpus.py), publishes it to a real wsgidav on loopback
(the test extra), then publishes it again after one edit. Prints, per publish, the files and bytes of the site, the
requests by method, the bytes sent (request bodies: files, records, journal), how long until the first file was sent
and the whole publish took. `--rtt` adds that many seconds to every answer, as a distant server would.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from cheroot import wsgi
from wsgidav.wsgidav_app import WsgiDAVApp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write

from pipeline.build.describe import build
from pipeline.publish.targets.webdav import from_config


class Counting:
    """A WSGI middleware counting requests by method and the bytes of their bodies, answering after `rtt` seconds."""

    def __init__(self, app: Any, rtt: float) -> None:
        self.app, self.rtt = app, rtt
        self.requests: Counter[str] = Counter()
        self.bytes = 0
        self.first_put: float | None = None
        self.guard = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self.guard:
            self.requests[environ["REQUEST_METHOD"]] += 1
            self.bytes += int(environ.get("CONTENT_LENGTH") or 0)
            ours = ".pipeline-" in environ["PATH_INFO"] or environ["PATH_INFO"].rsplit("/", 1)[-1].startswith(".")  # records, lock
            if environ["REQUEST_METHOD"] == "PUT" and self.first_put is None and not ours:
                self.first_put = time.perf_counter()
        if self.rtt:
            time.sleep(self.rtt)
        return self.app(environ, start_response)

    def reset(self) -> None:
        self.requests.clear()
        self.bytes, self.first_put = 0, None


def serve(folder: Path, rtt: float) -> tuple[wsgi.Server, Counting]:
    logging.getLogger("wsgidav").setLevel(logging.CRITICAL)
    config = {"provider_mapping": {"/": str(folder)}, "simple_dc": {"user_mapping": {"*": True}}, "lock_storage": True, "verbose": 0}
    app = WsgiDAVApp({**config, "logging": {"enable": False}})
    counting = Counting(app, rtt)
    httpd = wsgi.Server(("127.0.0.1", 0), counting, numthreads=16)
    httpd.expiration_interval = 0.05
    httpd.prepare()
    threading.Thread(target=httpd.serve, daemon=True).start()
    return httpd, counting


def measure(pairs: int, rtt: float, folder: Path) -> list[dict[str, object]]:
    site = folder / f"site-{pairs}"
    write(pairs, site)
    (folder / f"dav-{pairs}" / "sites").mkdir(parents=True)
    httpd, counting = serve(folder / f"dav-{pairs}", rtt)
    try:
        target = from_config("dav", {"type": "webdav", "url": f"http://127.0.0.1:{httpd.bind_addr[1]}/sites/blog/"}, site)
        rows = []
        for label in ("first publish", "after one edit"):
            if label != "first publish":
                article = min((site / "content/en").glob("*.md"))
                article.write_text(article.read_text("utf-8") + "\nOne more sentence.\n", encoding="utf-8")
            files = build(site, None).files
            counting.reset()
            start = time.perf_counter()
            with target.lock("benchmark"):
                target.publish(files, False, lambda path, size: None)
            took = time.perf_counter() - start
            first = (counting.first_put - start) if counting.first_put else None
            rows.append(
                {
                    "pairs": pairs,
                    "publish": label,
                    "files": len(files),
                    "site_mb": round(sum(map(len, files.values())) / 1e6, 1),
                    "requests": sum(counting.requests.values()),
                    "by_method": dict(sorted(counting.requests.items())),
                    "sent_mb": round(counting.bytes / 1e6, 1),
                    "first_file_s": round(first, 2) if first is not None else None,
                    "total_s": round(took, 2),
                }
            )
        return rows
    finally:
        httpd.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[1000])
    parser.add_argument("--rtt", type=float, default=0.0, help="seconds added to every answer")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="pipeline-webdav-bench-") as folder:
        for pairs in args.pairs:
            rows += measure(pairs, args.rtt, Path(folder))
    print("| pairs | publish | files | site | requests | MKCOL | PUT | sent | first file | total |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        methods: dict[str, int] = row["by_method"]  # type: ignore[assignment]
        print(
            f"| {row['pairs']:,} | {row['publish']} | {row['files']:,} | {row['site_mb']} MB | {row['requests']:,} | "
            f"{methods.get('MKCOL', 0):,} | {methods.get('PUT', 0):,} | {row['sent_mb']} MB | {row['first_file_s']} s | {row['total_s']} s |"
        )
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
