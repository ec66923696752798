"""How long `validate` takes on hostile files at 1x, 10x and 100x their size: every per-file check must stay near-linear.

    python benchmarks/hostile.py            # a table: seconds of CPU per pattern and size, and the 100x/10x ratio
    python benchmarks/hostile.py --base 200 # a smaller base size

tests/test_linear_time.py asserts the same on each pattern (a ratio far from the ~100 a quadratic check shows).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli.main import cli

SITE = """\
base_url: https://example.org/
source_locale: en
locales:
  en: {name: English}
  he: {name: עברית, missing: off, unverified: off}
markdown:
  allow_raw_html: RAW
limits:
  max_file_bytes: 16777216
"""
HEAD = "---\ntitle: T\ndate: 2024-03-12\nsummary: S\n---\n\n"

# name -> (body for size n, whether raw HTML is allowed, the Hebrew translation's body or None); each was quadratic
# (or worse) before.
PATTERNS: dict[str, tuple[Callable[[int], str], bool] | tuple[Callable[[int], str], bool, Callable[[int], str]]] = {
    "attribute padded with spaces": (lambda n: "<a href=" + " " * (20 * n) + "x>y</a>\n", True),
    "many links": (lambda n: "".join(f"[l{i}](b.md) " for i in range(n)) + "\n", False),
    "many images": (lambda n: "".join(f"![a{i}](/x.png) " for i in range(n)) + "\n", False),
    "long line, not NFC at its end": (lambda n: "a" * (20 * n) + "e\u0301\n", False),
    "backtick runs of every length": (lambda n: " ".join("`" * k for k in range(1, int((4 * n) ** 0.5) + 2)) + "\n", False),
    "HTML block of unclosed tags": (lambda n: "<div>\n" + "<a " * (5 * n) + "\n", True),
    "unclosed comments": (lambda n: "<div>\n" + "<!--" * (5 * n) + "\n", True),
    "many unsafe attributes": (lambda n: "".join(f'<p onclick{i % 26 * "x"}="a">x</p>\n\n' for i in range(n)), True),
    "translation lacking many links": (  # each missing link is located at its section's heading
        lambda n: "".join(f"## H{i}\n\n[l](b.md#x{i})\n\n" for i in range(n)),
        False,
        lambda n: "".join(f"## כ{i}\n\nטקסט\n\n" for i in range(n)),
    ),
}


def cpu_seconds(name: str, n: int) -> float:
    """CPU time of one `validate --jobs 1` (in this process) on a site whose one article has pattern `name` at size n."""
    body, raw, *translation = PATTERNS[name]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "site.yaml").write_text(SITE.replace("RAW", "true" if raw else "false"), encoding="utf-8")
        (root / "content/en").mkdir(parents=True)
        (root / "content/en/a.md").write_text(HEAD + body(n), encoding="utf-8")
        (root / "content/en/b.md").write_text(HEAD + "b\n", encoding="utf-8")
        if translation:
            (root / "content/he").mkdir()
            (root / "content/he/a.md").write_text(HEAD + translation[0](n), encoding="utf-8")
        started = time.process_time()
        result = CliRunner().invoke(cli, ["validate", "--root", str(root), "--jobs", "1", "--format", "json"], catch_exceptions=False)
        spent = time.process_time() - started
        assert result.exit_code in (0, 1), result.output
        return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=500, help="the 1x size (links, images, tags, or 20 characters each)")
    args = parser.parse_args()
    print(f"{'pattern':34} {'1x':>8} {'10x':>8} {'100x':>8} {'100x/10x':>9}")
    for name in PATTERNS:
        times = [cpu_seconds(name, args.base * factor) for factor in (1, 10, 100)]
        print(f"{name:34} {times[0]:8.3f} {times[1]:8.3f} {times[2]:8.3f} {times[2] / max(times[1], 1e-3):9.1f}")


if __name__ == "__main__":
    main()
