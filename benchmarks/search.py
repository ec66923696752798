"""Time search queries in Debian's Chromium on a synthetic site's index: `python benchmarks/search.py [--pairs 1000] [--repeat 5]`.

Builds the benchmark corpus, serves it on 127.0.0.1, loads each locale's search page and prints, per query, the
median and slowest time `window.pipelineSearch.search` took over the repeats, and each index's size (raw and gzipped),
as a table and as JSON. The goal is a query answered within 50 ms at 1,000 pairs (a keystroke's budget).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write

from pipeline.build import serve

CHROMIUM = "/usr/bin/chromium"
QUERIES = {"he": ["טוב לב", "ובריאות", "הנפש", "מחקר יומי", "תודה", "ט"], "en": ["kindness", "health", "research daily", "thank", "k"]}
TIMER = """async ([lang, queries, repeat]) => {
    const index = await (await fetch(`/${lang}/search-index.json`)).json();
    const times = {};
    for (const query of queries) {
        times[query] = [];
        for (let n = 0; n < repeat; n++) {
            const start = performance.now();
            window.pipelineSearch.search(index, query);
            times[query].push(performance.now() - start);
        }
    }
    return times;
}"""


def measure(site: Path, repeat: int) -> dict[str, object]:
    """Per locale: the index's sizes and, per query, the median and slowest milliseconds."""
    from playwright.sync_api import sync_playwright

    out = site / "public"
    subprocess.run([sys.executable, "-m", "pipeline", "build", "--root", str(site), "--out", str(out)], check=True, capture_output=True)
    httpd = serve.server(out, 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    figures: dict[str, object] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            for lang, queries in QUERIES.items():
                page.goto(f"{url}/{lang}/search/")
                page.locator("[data-search].ready").wait_for()
                times = page.evaluate(TIMER, [lang, queries, repeat])
                data = (out / f"{lang}/search-index.json").read_bytes()
                figures[lang] = {
                    "index_bytes": len(data),
                    "index_gzip_bytes": len(gzip.compress(data, 9)),
                    "queries": {query: {"median_ms": statistics.median(ms), "max_ms": max(ms)} for query, ms in times.items()},
                }
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        write(args.pairs, site)
        figures = measure(site, args.repeat)
    print(f"search at {args.pairs:,} pairs, {args.repeat} runs a query")
    print("| locale | query | median | slowest |\n| --- | --- | --- | --- |")
    for lang, found in figures.items():
        for query, ms in found["queries"].items():  # type: ignore[index]
            print(f"| {lang} | {query} | {ms['median_ms']:.1f} ms | {ms['max_ms']:.1f} ms |")
    for lang, found in figures.items():
        print(f"{lang} index: {found['index_bytes']:,} bytes, {found['index_gzip_bytes']:,} gzipped")  # type: ignore[index]
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
