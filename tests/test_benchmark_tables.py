"""The benchmark's Performance table: its README markers and shape, `--readme`'s rewrite, and Hugo's side of the corpus."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import hugo  # the benchmark's Hugo layouts
from conftest import SITE_YAML, article, hebrew
from corpus import write_hugo
from report import BEGIN, END, GOALS, HEAD, README, rewrite_readme
from run import STARTUP

ROW = {"pairs": 1000, "pages": 2216, "files": 4221, "cold_s": 3.0, "cold_cpu_s": 4.0, "write_floor_s": 0.2, "noop_s": 0.1}
ROW |= {
    "one_edit_s": 0.5,
    "startup_floor_s": 0.17,
    "validate_s": 1.2,
    "validate_cached_s": 0.6,
    "peak_mb": 200.0,
    "pages_per_s": 738,
    "cores": 2,
}
HUGO = {"hugo_cold_s": 2.0, "hugo_cold_cpu_s": 3.5, "hugo_one_edit_s": 2.1, "hugo_peak_mb": 1000.0, "hugo_files": 4634}


def _between(text: str) -> str:
    assert text.count(BEGIN) == 1 and text.count(END) == 1, "the README needs one pair of performance-table markers"
    return text[text.index(BEGIN) + len(BEGIN) : text.index(END)]


def _tables(block: str) -> list[list[str]]:
    """Each table's measure names, in order."""
    tables: list[list[str]] = []
    for line in block.splitlines():
        if line == HEAD:
            tables.append([])
        elif line.startswith("| ") and not line.startswith("| ---") and tables:
            tables[-1].append(line.split(" | ")[0].removeprefix("| "))
    return tables


def test_the_readme_performance_table_is_the_generated_one_for_each_corpus_size() -> None:
    text = README.read_text(encoding="utf-8")
    performance = text[text.index("## Performance") : text.index("\n## ", text.index("## Performance") + 1)]
    block = _between(performance)
    tables = _tables(block)
    assert len(tables) >= 1
    assert all(names == [goal.name for goal in GOALS] for names in tables)
    assert re.findall(r"^\*\*([\d,]+) pairs\*\*", block, re.MULTILINE), "each table is headed by its corpus size"


def test_readme_rewrites_only_between_the_markers_with_hugo_ratios_and_verdicts(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Site\n\nbefore\n\n{BEGIN}\nold figures\n{END}\n\nafter\n", encoding="utf-8")
    served = {"serve_edit_s": 0.07, "serve_slowest_s": 0.12}
    rewrite_readme(readme, [ROW | HUGO | served, ROW | {"pairs": 5000}])
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Site\n\nbefore\n\n") and text.endswith(f"{END}\n\nafter\n")
    assert "old figures" not in text
    lines = {line.split(" | ")[0]: line for line in _between(text).splitlines() if line.startswith("| ")}
    assert "| 3.00 s (4.00 s CPU; disk floor 0.20 s) | 2.00 s (3.50 s CPU) | 1.50 (CPU 1.14) | ≤ Hugo | **no** |" in text
    assert "| peak memory | 200 MB | 1000 MB | 0.20 | ≤ ¼ Hugo | yes |" in text
    assert "| rebuild after one edit | 0.50 s (start-up floor 0.17 s) | 2.10 s (a whole build) | 0.24 | ≤ 0.2 s | **no** |" in text
    assert "| an edit served by `serve` | 0.07 s (slowest of a session: 0.12 s) | — |  | ≤ 0.1 s | yes |" in text
    assert "| an edit served by `serve` | — | — |  |  |  |" in text  # not measured at 5,000 pairs
    assert "| 5,000 pairs" not in lines and "**5,000 pairs**" in text and "≤ ½ Hugo |  |" in text  # no Hugo figure: no verdict
    once = text
    rewrite_readme(readme, [ROW | HUGO | served, ROW | {"pairs": 5000}])
    assert readme.read_text(encoding="utf-8") == once


_MODULES = "import atexit, sys\natexit.register(lambda: print(' '.join(sorted(sys.modules))))\n"


def _modules(code: str, cwd: Path) -> set[str]:
    """The modules a fresh process has loaded when `code` ends (the command's exit handlers run: pipeline's main ends so too)."""
    done = subprocess.run([sys.executable, "-c", _MODULES + code], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.splitlines()[-1].split())


def test_the_start_up_floor_loads_only_what_a_one_edit_build_loads_itself(tmp_path: Path) -> None:
    """The floor under a one-edit build (the benchmark's start-up floor) counts no library such a build does without."""
    root = tmp_path / "site"
    for rel, text in {"site.yaml": SITE_YAML, "content/en/a.md": article(), "content/he/a.md": hebrew()}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    build = f"sys.argv = ['pipeline', 'build', '--root', {str(root)!r}, '--out', {str(tmp_path / 'out')!r}]\n"
    build += "from pipeline.cli.main import main\nmain()\n"
    _modules(build, tmp_path)
    (root / "content/en/a.md").write_text(article(body="Other text.\n"), encoding="utf-8")
    built = _modules(build, tmp_path)
    floor = _modules(STARTUP, tmp_path)
    libraries = {name.split(".")[0] for name in floor} - set(sys.stdlib_module_names) - {"_cffi_backend"}
    assert {"babel", "click", "cmarkgfm", "jinja2", "jsonschema_rs", "nh3", "orjson", "yaml"} <= libraries
    assert floor - built == set()


def test_readme_without_markers_is_refused_untouched(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Site\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="no performance-table markers"):
        rewrite_readme(readme, [ROW])
    assert readme.read_text(encoding="utf-8") == "# Site\n"


@pytest.mark.skipif(shutil.which("hugo") is None, reason="Hugo is not installed (`make bench` installs Debian's)")
def test_hugo_writes_a_page_and_a_json_document_per_article_and_locale_like_ours(tmp_path: Path) -> None:
    site, out = tmp_path / "hugo-site", tmp_path / "out"
    write_hugo(12, site)
    hugo.add_layouts(site)
    done = subprocess.run(hugo.command(site, out), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "found no layout" not in done.stdout + done.stderr
    for index in range(12):
        for prefix, lang in (("", "en"), ("he/", "he")):
            document = json.loads((out / f"{prefix}a{index}/index.json").read_text(encoding="utf-8"))
            assert document["lang"] == lang and document["html"].startswith("<h2")
            assert "<article><h1>" in (out / f"{prefix}a{index}/index.html").read_text(encoding="utf-8")
    assert (out / "page/2/index.html").is_file() and (out / "index.xml").is_file() and (out / "sitemap.xml").is_file()
    assert 'dir="rtl"' in (out / "he/a0/index.html").read_text(encoding="utf-8")
