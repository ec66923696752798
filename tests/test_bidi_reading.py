"""What a reader sees of mixed-direction text, in Debian's Chromium: every character where an RTL typesetter would put it.

The cases (tests/bidi_cases.py) are built with the real `pipeline build`; each block's characters are measured
(Range.getClientRects) as built, then with the typesetter's <bdi> markup put in its place on the same page.
"""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bidi_cases import ALT, ALT_ISOLATED, ENGLISH, HEBREW, SUMMARY, SUMMARY_HTML, TABLE, TABLE_HTML, TITLE, TITLE_HTML, TITLE_ISOLATED
from conftest import SITE_YAML
from test_browser import CHROMIUM, FLAGS, ROOT, serve_build

CHECKERS = Path(__file__).resolve().parent / "checkers" / "node_modules"
VNU = CHECKERS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = CHECKERS / "axe-core" / "axe.min.js"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#468"/></svg>\n'

# Per character of an element's text, in reading order: the character and where it is painted, from the element's corner.
MEASURE = """el => {
  const box = el.getBoundingClientRect(), out = [], range = document.createRange();
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rects = range.getClientRects();
      if (rects.length) out.push([node.data[i], rects[0].left - box.left, rects[0].top - box.top]);
    }
  }
  return out;
}"""
BLOCKS = f"body => Array.from(body.children).map({MEASURE})"


def _front(title: str, summary: str, alt: str) -> str:
    return (
        f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\ndate: 2024-03-12\nsummary: {json.dumps(summary, ensure_ascii=False)}\n"
        f"author: Noa Levi\nimage:\n  src: /images/chart.svg\n  alt: {json.dumps(alt, ensure_ascii=False)}\n---\n\n"
    )


def _body(cases: list[tuple[str, str, str]]) -> str:
    return "\n\n".join(markdown for _, markdown, _ in cases) + "\n"


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make browser`"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def mixed_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mixed")
    files = {
        "site.yaml": SITE_YAML,
        "static/images/chart.svg": SVG,
        "content/en/mixed.md": _front("Mixed text", "How mixed text reads.", "A chart") + _body(ENGLISH),
        "content/he/mixed.md": _front(TITLE, SUMMARY, ALT) + _body(HEBREW) + f"\n![{ALT}](/images/chart.svg)\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def mixed_url(mixed_site) -> Iterator[str]:
    yield from serve_build(mixed_site, mixed_site / "public")


def _compare(page: Any, container: str, reference: str) -> tuple[list[Any], list[Any]]:
    """The characters of each child of `container` as built, and with the typesetter's markup in its place."""
    built = page.eval_on_selector(container, BLOCKS)
    page.eval_on_selector(container, "(el, html) => { el.innerHTML = html; }", reference)
    return built, page.eval_on_selector(container, BLOCKS)


def _differences(name: str, built: list[Any], expected: list[Any]) -> list[str]:
    text, wanted = "".join(c for c, _, _ in built), "".join(c for c, _, _ in expected)
    if text != wanted:
        return [f"{name}: the text changed: {text!r} != {wanted!r}"]
    return [
        f"{name}: {char!r} (#{i}) painted at ({x:.1f}, {y:.1f}), the typesetter's at ({ex:.1f}, {ey:.1f}): {text!r}"
        for i, ((char, x, y), (_, ex, ey)) in enumerate(zip(built, expected, strict=True))
        if abs(x - ex) > 0.6 or abs(y - ey) > 0.6
    ][:1]


@pytest.mark.parametrize(("lang", "cases"), [("he", HEBREW), ("en", ENGLISH)])
def test_every_character_is_painted_where_the_typesetter_puts_it(browser, mixed_url, lang, cases):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{mixed_url}/{lang}/mixed/")
    reference = "\n".join(html for _, _, html in cases)
    built, expected = _compare(page, ".article-body", reference)
    assert len(built) >= len(cases)
    problems = [
        p for (name, _, _), b, e in zip(cases, built[: len(cases)], expected[: len(cases)], strict=True) for p in _differences(name, b, e)
    ]
    assert problems == []
    page.close()


def test_a_tag_s_mixed_name_reads_right_in_its_heading_and_links(browser, make_site):
    """A tag's Hebrew name with English in it, where pages show it: the tag page's heading and the article's tag list."""
    tagged = SITE_YAML.replace("tags:\n", "tags:\n  dotnet:\n    en: .NET\n    he: .NET ו-C#\n", 1)
    root = make_site(
        {
            "content/en/t.md": _front("Tagged", "A tagged article.", "A chart").replace("author:", "tags: [dotnet]\nauthor:") + "Text.\n",
            "content/he/t.md": _front("מתויג", "מאמר מתויג.", "תרשים").replace("author:", "tags: [dotnet]\nauthor:") + "טקסט.\n",
        },
        tagged,
    )
    (root / "static/images").mkdir(parents=True)
    (root / "static/images/chart.svg").write_text(SVG, encoding="utf-8")
    name = '<bdi lang="en">.NET</bdi> ו-<bdi lang="en">C#</bdi>'
    for url in serve_build(root, root / "public"):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        for path, selector, reference in (
            ("/he/tags/dotnet/", "h1", f"מאמרים עם התגית {name}"),
            ("/he/t/", ".article-tags a", name),
        ):
            page.goto(f"{url}{path}")
            built = [c for c in page.eval_on_selector(selector, MEASURE) if c[0] not in "\u2066\u2067\u2068\u2069"]
            page.eval_on_selector(selector, "(el, html) => { el.innerHTML = html; }", reference)
            assert _differences(path, built, page.eval_on_selector(selector, MEASURE)) == []
        page.close()


def test_table_cells_read_right(browser, make_site):
    """A site that allows raw HTML: a table whose cells are English, Hebrew, numbers and mixed."""
    root = make_site(
        {
            "content/en/t.md": _front("Table", "A table.", "A chart") + "Text.\n",
            "content/he/t.md": _front("טבלה", "טבלה.", "תרשים") + TABLE + "\n",
        },
        SITE_YAML + "markdown:\n  allow_raw_html: true\n",
    )
    (root / "static/images").mkdir(parents=True)
    (root / "static/images/chart.svg").write_text(SVG, encoding="utf-8")
    for url in serve_build(root, root / "public"):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{url}/he/t/")
        built = page.eval_on_selector_all(".article-body td, .article-body th", f"cells => cells.map({MEASURE})")
        page.eval_on_selector(".article-body", "(el, html) => { el.innerHTML = html; }", TABLE_HTML)
        expected = page.eval_on_selector_all(".article-body td, .article-body th", f"cells => cells.map({MEASURE})")
        assert len(built) == len(expected) == 9
        assert [p for i, (b, e) in enumerate(zip(built, expected, strict=True)) for p in _differences(f"cell {i}", b, e)] == []
        page.close()


def test_the_cases_are_ones_plain_html_gets_wrong(browser, mixed_url):
    """Without our isolation (the lang kept, the dir dropped), most cases paint differently: the comparison can fail."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{mixed_url}/he/mixed/")
    page.eval_on_selector_all(".article-body span[dir]", "spans => spans.forEach(s => s.removeAttribute('dir'))")
    plain, expected = _compare(page, ".article-body", "\n".join(html for _, _, html in HEBREW))
    wrong = [name for (name, _, _), b, e in zip(HEBREW, plain, expected, strict=False) if _differences(name, b, e)]
    assert len(wrong) >= 15, wrong
    page.close()


def test_title_summary_and_alt_text_read_right(browser, mixed_url):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{mixed_url}/he/mixed/")
    assert page.title().startswith(TITLE_ISOLATED + " · ")
    assert page.get_attribute(".article-image img", "alt") == ALT_ISOLATED
    assert page.get_attribute(".article-body img", "alt") == ALT_ISOLATED
    built, expected = _compare(page, ".article-header", f"<h1>{TITLE_HTML}</h1>")
    assert _differences("title", built[0], expected[0]) == []
    page.goto(f"{mixed_url}/he/")
    built, expected = _compare(page, ".article-summary", f"<h2>{TITLE_HTML}</h2>\n<p>{SUMMARY_HTML}</p>")
    assert _differences("summary", built[-1], expected[-1]) == []
    assert _differences("title in the list", built[0], expected[0]) == []
    page.close()


def test_json_and_feeds_carry_unicode_isolates_and_whole_entities(mixed_site, mixed_url):
    out = mixed_site / "public"
    document = json.loads((out / "api/he/articles/mixed.json").read_text("utf-8"))
    assert document["title"] == TITLE and document["title_isolated"] == TITLE_ISOLATED
    assert '<span dir="ltr" lang="en">R&amp;D</span>' in document["html"]
    assert "&;" not in document["html"] and "&amp;;" not in document["html"]
    entry = ET.parse(out / "he/feed.xml").getroot().find("{http://www.w3.org/2005/Atom}entry")
    assert entry is not None
    assert entry.findtext("{http://www.w3.org/2005/Atom}title") == TITLE_ISOLATED
    summary = entry.findtext("{http://www.w3.org/2005/Atom}summary") or ""
    assert summary.replace("\u2066", "").replace("\u2069", "") == SUMMARY
    assert "\u2066https://example.org/a?b=1&c=2\u2069" in summary


def test_hebrew_in_code_is_monospaced(browser, mixed_url):
    page = browser.new_page()
    page.goto(f"{mixed_url}/he/mixed/")
    widths = page.eval_on_selector(
        ".article-body pre code",
        """el => { const t = el.firstChild, r = document.createRange(), out = {};
                   for (let i = 0; i < t.length; i++) { if (!/[\\u05d0-\\u05ea]/.test(t.data[i])) continue;
                     r.setStart(t, i); r.setEnd(t, i + 1); out[t.data[i]] = r.getBoundingClientRect().width; }
                   return out; }""",
    )
    assert set(widths) >= {"ש", "ל", "ו", "ם", "ע"}  # from "שלום עולם"
    assert max(widths.values()) - min(widths.values()) < 0.1, widths  # a proportional font makes ו far narrower than ש
    page.close()


def _pages(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.html"))


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("sample-checked") / "public"
    for _ in serve_build(ROOT, out):
        yield out


def test_the_nu_html_checker_finds_no_error_on_any_page(mixed_site, mixed_url, sample_out):
    assert VNU.exists(), "the Nu HTML checker is missing: run `make test` (it installs tests/checkers/)"
    pages = [str(p) for p in _pages(mixed_site / "public") + _pages(sample_out)]
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *pages], check=False, capture_output=True, text=True
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    assert [(m.get("url", "").rsplit("/public/", 1)[-1], m.get("lastLine"), m["message"]) for m in messages] == []


def test_axe_finds_no_accessibility_violation_on_any_page(browser, mixed_site, mixed_url):
    assert AXE.exists(), "axe-core is missing: run `make test` (it installs tests/checkers/)"
    page = browser.new_page(bypass_csp=True)  # axe is injected inline; the site's CSP would refuse it
    found = []
    for path in _pages(mixed_site / "public"):
        page.goto(f"{mixed_url}/{path.relative_to(mixed_site / 'public').as_posix()}")
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
        found += [(path.name, v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert found == []
    page.close()
