"""`pipeline serve`: a real preview server on 127.0.0.1 that rebuilds when a file changes."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request

from conftest import article, hebrew


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def test_serve_previews_and_rebuilds_on_change(make_site):
    root = make_site({"content/en/a.md": article("First title"), "content/he/a.md": hebrew("כותרת ראשונה")})
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--root", str(root), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert "serving" in line, line + process.stderr.read()
        base = line.split(" on ")[1].split()[0].rstrip("/")
        assert base.startswith("http://127.0.0.1:")
        status, page = fetch(f"{base}/en/a/")
        assert status == 200 and "First title" in page
        assert fetch(f"{base}/nowhere/")[0] == 404
        (root / "content/en/a.md").write_text(article("Second title"), encoding="utf-8")
        deadline = time.monotonic() + 15
        while "Second title" not in fetch(f"{base}/en/a/")[1]:
            assert time.monotonic() < deadline, "the preview did not rebuild"
            time.sleep(0.2)
        # Broken content keeps the last good build online and says why.
        (root / "content/en/a.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
        time.sleep(1.5)
        assert "Second title" in fetch(f"{base}/en/a/")[1]
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=10)
    assert "content/en/a.md:3:1: error yaml-syntax" in errors
    assert "Traceback" not in errors
