"""What a reader sees, in Debian's Chromium: direction, bidi order, the language switcher, small screens."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SITE_YAML, article, hebrew, run, serving

from pipeline.build import serve

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ROOT = Path(__file__).resolve().parent.parent
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

HEBREW_WITH_CODE = hebrew(
    "איך כותבים print() ב־Python 3",
    "מדריך קצר.",
    body='כדי להדפיס, כתבו `print("שלום")` ב־Python 3. גם C++ עושה זאת, אחרת.\n\n```\nprint(1)\n```\n',
)


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make browser` (Debian packages chromium and fonts-noto-core)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def serve_build(root: Path, out: Path) -> Iterator[str]:
    result = run("build", "--root", str(root), "--out", str(out), "--now", "2026-11-26T12:00:00+00:00")
    assert result.exit_code == 0, result.stdout + result.stderr
    httpd = serve.server(out, 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def sample_url(tmp_path_factory) -> Iterator[str]:
    yield from serve_build(ROOT, tmp_path_factory.mktemp("browser") / "public")


@pytest.fixture(scope="module")
def code_url(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("code-site")
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    for rel, text in {
        "content/en/code.md": article("How to write print() in Python 3", "A short guide.", body="Text.\n\n```\nprint(1)\n```\n"),
        "content/he/code.md": HEBREW_WITH_CODE,
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    yield from serve_build(root, root / "public")


def test_hebrew_pages_are_right_to_left_and_english_left_to_right(browser, sample_url):
    page = browser.new_page()
    for lang, direction in (("he", "rtl"), ("en", "ltr")):
        page.goto(f"{sample_url}/{lang}/kindness-mental-health/")
        assert page.evaluate("getComputedStyle(document.body).direction") == direction
        assert page.evaluate("getComputedStyle(document.querySelector('.article-body p')).direction") == direction
    page.close()


def test_inline_code_keeps_its_left_to_right_order_in_hebrew(browser, code_url):
    page = browser.new_page()
    page.goto(f"{code_url}/he/code/")
    code = page.locator(".article-body p code").first
    assert code.evaluate("e => getComputedStyle(e).direction") == "ltr"
    # Where the first and last characters land: "p" must be left of ")" on screen.
    first, last = code.evaluate(
        """e => { const t = e.firstChild, r = document.createRange();
                  r.setStart(t, 0); r.setEnd(t, 1); const a = r.getBoundingClientRect().left;
                  r.setStart(t, t.length - 1); r.setEnd(t, t.length); return [a, r.getBoundingClientRect().left]; }"""
    )
    assert first < last
    block = page.locator(".article-body pre").first
    assert block.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert page.locator(".article-body span[dir=ltr]", has_text="C++").count() == 1
    page.close()


def test_the_language_switcher_reaches_the_counterpart(browser, sample_url):
    page = browser.new_page()
    page.goto(f"{sample_url}/he/volunteering/")
    page.locator(".language-switcher summary").click()
    page.locator('.language-switcher a[hreflang="en"]').click()
    page.wait_for_url(f"{sample_url}/en/volunteering/")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.close()


@pytest.mark.parametrize("path", ["/he/", "/he/kindness-mental-health/", "/en/gratitude-practice/", "/he/tags/kindness/", "/"])
def test_no_horizontal_overflow_on_a_375px_screen(browser, sample_url, path):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(sample_url + path)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.close()


def test_screenshots_of_a_hebrew_and_an_english_article(browser, sample_url):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 900, "height": 1200})
    for lang in ("he", "en"):
        page.goto(f"{sample_url}/{lang}/kindness-mental-health/")
        target = ARTIFACTS / f"{lang}-article.png"
        page.screenshot(path=str(target), full_page=False)
        assert target.stat().st_size > 10_000
    page.close()


def test_pagination_arrows_point_the_reading_way(browser, tmp_path_factory):
    root = tmp_path_factory.mktemp("paged")
    (root / "site.yaml").write_text(SITE_YAML + "per_page: 1\n", encoding="utf-8")
    for n in (1, 2, 3):
        for rel, text in ((f"content/en/p{n}.md", article(f"Post {n}")), (f"content/he/p{n}.md", hebrew(f"רשומה {n}"))):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text.replace("2024-03-12", f"2024-03-1{n}"), encoding="utf-8")
    for url in serve_build(root, root / "public"):
        page = browser.new_page()
        page.goto(f"{url}/he/page/2/")
        older = page.locator("a[rel=next]")
        newer = page.locator("a[rel=prev]")
        assert "←" in older.inner_text() and "→" in newer.inner_text()
        # In Hebrew the older articles are to the left: the arrow points where the link sits.
        assert older.bounding_box()["x"] < newer.bounding_box()["x"]
        page.close()
    shutil.rmtree(root / "public")


def test_the_status_dashboard_shows_every_column_at_1280_px(browser, make_site, tmp_path):
    """With long diffs shown (a paragraph, a URL with no spaces), the table stays within the window and the rows filter."""
    import subprocess

    from test_translate import FILES, POLICY, SOURCE, translated

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-C", str(root), "-c", "user.name=T", "-c", "user.email=t@example.org", *args], check=True, capture_output=True
        )

    long = "Dopamine and oxytocin " * 40 + "https://example.org/" + "a" * 300
    root = make_site({**FILES, "content/en/a.md": SOURCE.replace("Dopamine and oxytocin", long)}, POLICY)
    run("translate", "--root", str(root), "he", "a")
    translated(root / "content/he/a.md")
    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "translated")
    (root / "content/en/a.md").write_text(SOURCE.replace("Dopamine and oxytocin", long.replace("oxytocin", "serotonin")), encoding="utf-8")
    out = tmp_path / "status.html"
    assert run("status", "--root", str(root), "--format", "html", "--out", str(out)).exit_code == 0
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(out.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    for header in page.locator("thead th").all():
        box = header.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1280, header.inner_text()
    diff = page.locator("pre.diff").first.bounding_box()
    assert diff is not None and diff["x"] + diff["width"] <= 1280
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "status-dashboard-1280.png"), full_page=True)
    page.locator("#show-unverified").check()  # the filter, without a server
    assert page.locator('tbody[data-state="stale"]').is_hidden() and page.locator('tbody[data-state="unverified"]').is_visible()
    page.locator("#show-all").check()
    page.locator("th button[data-sort=id]").click()  # sorting: descending now
    assert page.locator("tbody.row").first.get_attribute("data-id") == "b"
    page.close()


def test_the_preview_reloads_open_pages_and_shows_what_broke(browser, make_site):
    """Save a file: the open page reloads by itself; break it: the page shows file:line over the last good page."""
    import time

    root = make_site({"content/en/a.md": article("First title"), "content/he/a.md": hebrew("כותרת ראשונה")})
    with serving(root) as server:
        base = server.base
        page = browser.new_page()
        page.goto(f"{base}/en/a/")
        assert page.locator("h1").inner_text() == "First title"
        assert page.evaluate("!!document.querySelector('script[src=\"/__pipeline/live.js\"]')")
        page.wait_for_timeout(300)  # the event stream is open
        started = time.monotonic()
        (root / "content/en/a.md").write_text(article("Second title"), encoding="utf-8")
        page.locator("h1", has_text="Second title").wait_for(timeout=15000)
        reloaded = time.monotonic() - started
        (root / "content/en/a.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
        page.wait_for_selector("#pipeline-overlay", timeout=15000)
        assert "content/en/a.md:3:1: error yaml-syntax" in page.locator("#pipeline-overlay").inner_text()
        assert page.locator("h1").inner_text() == "Second title"  # the last good page, under the overlay
        (root / "content/en/a.md").write_text(article("Third title"), encoding="utf-8")
        page.locator("h1", has_text="Third title").wait_for(timeout=15000)
        assert page.locator("#pipeline-overlay").count() == 0
        page.close()
    print(f"saved to reloaded: {reloaded:.2f} s")


def test_the_preview_of_a_site_that_does_not_build_yet_says_so_and_shows_the_page_once_fixed(browser, make_site):
    """No build has succeeded: the overlay does not pretend there is a last good page under it, and fixing the file
    brings the page up by itself."""
    root = make_site({"content/en/a.md": "---\ntitle: [\n---\n", "content/he/a.md": hebrew("כותרת ראשונה")})
    with serving(root) as server:
        page = browser.new_page()
        page.goto(f"{server.base}/en/a/")
        page.wait_for_selector("#pipeline-overlay", timeout=15000)
        told = page.locator("#pipeline-overlay").inner_text()
        assert told.startswith("The site has not built yet: there is no page to show until this is fixed"), told
        assert "content/en/a.md:3:1: error yaml-syntax" in told and "last good page" not in told
        (root / "content/en/a.md").write_text(article("First title"), encoding="utf-8")
        page.locator("h1", has_text="First title").wait_for(timeout=15000)
        assert page.locator("#pipeline-overlay").count() == 0
        page.close()
    built = (root / "public").exists()
    assert not built  # the preview builds elsewhere: a site's own output is never touched, and no build has the script
