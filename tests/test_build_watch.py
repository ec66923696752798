"""`pipeline build --watch`, the real command: an edit is written to the folder, a broken one is reported by file and line."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from conftest import SITE_YAML, article, built_tree, cold_build, hebrew, run

NOW = "2026-11-26T12:00:00+00:00"


def _site(make_site) -> Path:
    return make_site(
        {
            "content/en/a0.md": article("Title 0", "Summary 0.", "Text 0. See [the other](a1.md).\n"),
            "content/he/a0.md": hebrew("כותרת 0", "תקציר 0.", "טקסט 0.\n"),
            "content/en/a1.md": article("Title 1", "Summary 1.", "Text 1.\n"),
            "content/he/a1.md": hebrew("כותרת 1", "תקציר 1.", "טקסט 1.\n"),
        },
        SITE_YAML,
    )


def _until(found: Callable[[], bool], what: str, seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    while not found():
        if time.monotonic() > end:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.02)


def _page_has(page: Path, text: str) -> Callable[[], bool]:
    return lambda: page.is_file() and text in page.read_text("utf-8")


def _watch(root: Path, out: Path) -> subprocess.Popen[str]:
    """The real `pipeline build --watch` of `root` into `out`, its output read by the test."""
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "build", "--watch", "--root", str(root), "--out", str(out), "--now", NOW],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_build_watch_writes_each_edit_and_keeps_the_last_good_build_when_one_breaks(make_site, tmp_path):
    root, out = _site(make_site), tmp_path / "out"
    process = _watch(root, out)
    assert process.stderr is not None
    try:
        assert "watching" in process.stderr.readline()  # after the first build, once an edit saved now is seen
        page, source = out / "en/a0/index.html", root / "content/en/a0.md"
        good = source.read_text("utf-8")
        source.write_text(good.replace("Text 0.", "Text 0, watched."), encoding="utf-8")
        _until(_page_has(page, "Text 0, watched."), "the edit in the written page")
        _until(lambda: built_tree(out) == cold_build(root, tmp_path, "--now", NOW), "the folder as a cold build writes it")
        before = built_tree(out)
        source.write_text(good.replace("title: Title 0", "title: [Title 0"), encoding="utf-8")
        (root / "content/en/a1.md").write_text(article("Title 1", "Summary 1.", "Text 1, edited too.\n"), encoding="utf-8")
        time.sleep(1.5)  # well past the time an edit takes to be built
        assert built_tree(out) == before
        source.write_text(good.replace("Text 0.", "Text 0, fixed."), encoding="utf-8")
        _until(_page_has(page, "Text 0, fixed."), "the fixed edit in the written page")
        _until(_page_has(out / "en/a1/index.html", "Text 1, edited too."), "the other edit, made while the site was broken")
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert "content/en/a0.md:" in stderr and "keeps the last good build" in stderr  # where the error is, and what was kept
    assert "Traceback" not in stderr
    assert stdout.count("built ") >= 3, stdout + stderr
    assert "nothing changed since the last build" in run("build", "--root", str(root), "--out", str(out), "--now", NOW).stdout


def test_build_watch_into_a_folder_it_must_not_write_stops_at_once_as_build_does(make_site):
    root = _site(make_site)
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "build", "--watch", "--root", str(root), "--out", str(root / "static/built")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "inside the site's static/ folder" in result.stderr and "watching" not in result.stderr


def test_build_watch_on_a_site_that_does_not_build_yet_says_nothing_is_built_then_builds_once_it_is_fixed(make_site, tmp_path):
    root, out = _site(make_site), tmp_path / "out"
    source = root / "content/en/a0.md"
    good = source.read_text("utf-8")
    source.write_text(good.replace("title: Title 0", "title: [Title 0"), encoding="utf-8")
    process = _watch(root, out)
    assert process.stderr is not None
    said = []
    try:
        while not said or "watching" not in said[-1]:  # the first build's diagnostics, what it left, then the watcher
            said.append(process.stderr.readline())
            assert said[-1], "".join(said)
        assert not out.exists()
        source.write_text(good.replace("Text 0.", "Text 0, fixed."), encoding="utf-8")
        _until(_page_has(out / "en/a0/index.html", "Text 0, fixed."), "the first good build, once the error is fixed")
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    first = "".join(said)
    assert "content/en/a0.md:" in first and f"nothing is built into {out} until the site builds" in first, first
    assert "keeps the last good build" not in first  # there is none to keep
