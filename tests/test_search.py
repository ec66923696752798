"""Search without a server, in Chromium: Hebrew prefixes, final letters and niqqud; English plurals; keyboard; size at 1,000 pairs."""

from __future__ import annotations

import gzip
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SITE_YAML, article, hebrew
from test_browser import browser, sample_url, serve_build  # noqa: F401 - Debian's Chromium, and built sites served on 127.0.0.1

from pipeline.render import marks
from pipeline.render.search import normalize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from corpus import write  # the benchmark's synthetic bilingual corpus

FILES = {
    "content/en/peace.md": article("Peace at home", "How volunteers make peace.", body="Volunteering brings calm.\n"),
    "content/he/peace.md": hebrew("שלום בבית", "איך מתנדבים עושים שלום.", body="ושלום לכולם, ובשלום נלך.\n"),
    "content/en/greeting.md": article("A greeting", "Saying hello.", body="Hello to all.\n"),
    "content/he/greeting.md": hebrew("ברכה", "אומרים שָׁלוֹם.", body="אמרנו בשָׁלוֹם לשכנים.\n"),
    "content/en/army.md": article("Service", "About service.", body="Service matters.\n"),
    "content/he/army.md": hebrew("שירות", "על השירות.", body='שירות בצה"ל ובצה״ל.\n'),
}
WORDS = ["ושָׁלוֹם", "בשלום", 'צה"ל', "צה״ל", "ספרים", "Volunteering", "volunteers", "École", "R&D", "כ־100", "C++", "studies", "classes"]


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("search-site")
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    yield from serve_build(root, root / "public")


def results(page, url: str, query: str) -> list[str]:
    page.goto(f"{url}?q={query}")
    page.locator("[data-search].ready").wait_for()  # a locator, not a function: the site's CSP allows no eval, and is kept
    return page.locator(".search-results a").all_inner_texts()


def test_a_hebrew_word_finds_its_prefixed_pointed_and_plain_forms(browser, site_url):  # noqa: F811
    page = browser.new_page()
    found = results(page, f"{site_url}/he/search/", "שלום")
    assert sorted(found) == ["ברכה", "שלום בבית"]  # ושלום, בשלום, שָׁלוֹם, בשָׁלוֹם all count
    assert sorted(results(page, f"{site_url}/he/search/", "בשלום")) == sorted(found)  # and a prefixed query finds the plain forms
    assert results(page, f"{site_url}/he/search/", "צהל") == ["שירות"]  # צה"ל and צה״ל, written either way
    assert results(page, f"{site_url}/he/search/", "אין-כזה") == []
    status = page.locator(".search-status").inner_text()
    assert status.startswith("לא נמצאו מאמרים עבור")
    assert page.locator("html").get_attribute("dir") == "rtl" and page.locator("#search-query").get_attribute("dir") == "auto"
    page.close()


def test_english_plurals_and_forms_find_each_other_and_the_keyboard_reaches_results(browser, site_url):  # noqa: F811
    page = browser.new_page()
    assert results(page, f"{site_url}/en/search/", "volunteer") == ["Peace at home"]
    assert results(page, f"{site_url}/en/search/", "Volunteers") == ["Peace at home"]
    assert page.locator(".search-status").inner_text() == "1 article found"
    page.locator("#search-query").focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == "Peace at home"
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "search-query"
    page.locator("#search-query").fill("hel")  # typed so far: a word's start finds it
    page.locator(".search-results a", has_text="A greeting").wait_for()
    page.locator(".search-results a", has_text="Peace at home").wait_for(state="detached")
    page.close()


def test_the_header_box_leads_to_the_search_page(browser, site_url):  # noqa: F811
    page = browser.new_page()
    page.goto(f"{site_url}/he/")
    page.locator("#site-search-query").fill("שלום")
    page.keyboard.press("Enter")
    page.locator("[data-search].ready").wait_for()
    assert "/he/search/?q=" in page.url and sorted(page.locator(".search-results a").all_inner_texts()) == ["ברכה", "שלום בבית"]
    page.close()


def test_the_browser_normalizes_as_the_build_does(browser, site_url):  # noqa: F811
    page = browser.new_page()
    page.goto(f"{site_url}/en/search/")
    page.locator("[data-search].ready").wait_for()
    for word in WORDS:
        assert page.evaluate("(w) => window.pipelineSearch.normalize(w)", word) == normalize(word), word
    page.close()


def test_every_combining_mark_is_dropped_from_indexed_words_as_search_js_drops_p_m():
    """Every mark this Python's Unicode data knows (category M, as JavaScript's \\p{M}) is dropped, whether the mark class
    is the one kept in the code (for its Unicode version) or worked out."""
    found = [chr(code) for code in range(0x300, 0x10000) if unicodedata.category(chr(code)).startswith("M")]
    assert len(found) > 1300
    kept = [mark for mark in found if normalize(f"x{mark}y") != ["xy"]]
    assert kept == []
    assert normalize("שָׁלוֹם é") == ["שלומ", "e"]


@pytest.mark.skipif(unicodedata.unidata_version != marks.UNICODE, reason="the kept class is for another Unicode version")
def test_the_kept_mark_class_is_this_pythons_unicode_data():
    assert marks.CLASS == marks.ranges()


def test_at_1000_pairs_the_index_is_small_and_every_query_finds_what_it_should(browser, tmp_path):  # noqa: F811
    """The index of a 1,000-pair site stays small enough to fetch; its queries' speed is `benchmarks/search.py`'s figure."""
    root = tmp_path / "corpus"
    write(1000, root)
    for url in serve_build(root, root / "public"):
        for lang in ("en", "he"):
            data = (root / f"public/{lang}/search-index.json").read_bytes()
            assert len(gzip.compress(data, 9)) < 1_500_000, (lang, len(data))
        page = browser.new_page()
        page.goto(f"{url}/he/search/")
        page.locator("[data-search].ready").wait_for()
        found = page.evaluate(
            """async () => {
                const index = await (await fetch('/he/search-index.json')).json();
                const found = {};
                for (const query of ['טוב', 'לב', 'טוב לב', 'מחקר', 'מחקר יומי', 'אין-כזה-דבר']) {
                    found[query] = window.pipelineSearch.search(index, query).map((doc) => doc.u);
                }
                return found;
            }"""
        )
        for word in ("טוב", "לב", "מחקר"):
            assert found[word], word  # words of the corpus are found at this size
        assert found["אין-כזה-דבר"] == []
        for both, first, second in (("טוב לב", "טוב", "לב"), ("מחקר יומי", "מחקר", "יומי")):
            assert set(found[both]) <= set(found[first]), both  # every word of a query must be in what it finds
        assert set(found["טוב לב"]) <= set(found["לב"]) and found["טוב לב"], found["טוב לב"][:3]
        page.close()


def test_the_sample_site_finds_its_articles_in_both_languages(browser, sample_url):  # noqa: F811
    page = browser.new_page()
    assert any("התנדבות" in title for title in results(page, f"{sample_url}/he/search/", "והתנדבות"))  # a prefixed form
    assert any("Volunteering" in title for title in results(page, f"{sample_url}/en/search/", "volunteers"))
    page.close()


def test_pages_are_served_under_the_csp_the_build_ships(site_url):
    """The build's _headers (read by Netlify and Cloudflare Pages, and by the preview) forbid inline scripts; the search above works under it."""
    import urllib.request

    with urllib.request.urlopen(f"{site_url}/he/search/", timeout=5) as response:
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "object-src 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"


MIXED_TITLE = "התקנת C# ו-.NET 8 על Windows 11"
MIXED_SUMMARY = "הורידו מ-https://dot.net (בערך 200 MB) והריצו."
TYPESET = {  # what an RTL typesetter writes for each, by hand (as tests/bidi_cases.py)
    "a": 'התקנת <bdi lang="en">C#</bdi> ו-<bdi lang="en">.NET 8</bdi> על <bdi lang="en">Windows 11</bdi>',
    "p": 'הורידו מ-<bdi lang="en">https://dot.net</bdi> (בערך <bdi lang="en">200 MB</bdi>) והריצו.',
}


def test_a_result_s_mixed_title_and_summary_read_as_the_typesetter_sets_them(browser, tmp_path):  # noqa: F811
    from test_bidi_reading import MEASURE

    root = tmp_path / "site"
    files = {
        "site.yaml": SITE_YAML,
        "content/en/dotnet.md": article("Installing C# and .NET 8 on Windows 11", "Download it.", body="Text.\n"),
        "content/he/dotnet.md": hebrew(MIXED_TITLE, MIXED_SUMMARY, body="טקסט.\n"),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    for url in serve_build(root, root / "public"):
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        found = results(page, f"{url}/he/search/", "התקנת")
        assert [text.translate(dict.fromkeys(range(0x2066, 0x206A))) for text in found] == [MIXED_TITLE]
        for selector, reference in TYPESET.items():
            element = f".search-results li:first-child {selector}"
            built = [c for c in page.eval_on_selector(element, MEASURE) if c[0] not in "\u2066\u2067\u2068\u2069"]
            page.eval_on_selector(element, "(el, html) => { el.innerHTML = html; }", reference)
            expected = page.eval_on_selector(element, MEASURE)
            assert "".join(c for c, _, _ in built) == "".join(c for c, _, _ in expected)
            moved = [(c, x, ex) for (c, x, _), (_, ex, _) in zip(built, expected, strict=True) if abs(x - ex) > 0.6]
            assert moved == [], f"{selector}: {moved[:3]}"
        page.close()
