"""What a page tells search engines, link previews and feed readers: description, Open Graph, JSON-LD, favicon; the
sitemap with tag pages and the root; Atom feeds (per locale and per tag) that are valid RFC 4287 even without authors."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from conftest import SITE_YAML, article, hebrew, run

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def build(make_site, tmp_path, files, site_yaml=SITE_YAML):
    root = make_site(files, site_yaml)
    out = tmp_path / "out"
    result = run("build", "--root", str(root), "--out", str(out), "--now", "2026-11-26T12:00:00+00:00")
    assert result.exit_code == 0, result.stdout + result.stderr
    return out


def assert_valid_atom(data: bytes) -> ET.Element:
    """RFC 4287 §4.1: a feed has an id, a title and updated; each entry an id, a title, updated and an author, its own or the feed's."""
    feed = ET.fromstring(data)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", feed.findtext(f"{ATOM}updated") or "")
    feed_author = feed.find(f"{ATOM}author/{ATOM}name")
    ids = []
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        assert entry.find(f"{ATOM}author/{ATOM}name") is not None or feed_author is not None, "an entry with no author in a feed with none"
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None or entry.find(f"{ATOM}content") is not None
        ids.append(entry.findtext(f"{ATOM}id"))
    assert len(ids) == len(set(ids))
    return feed


def test_article_pages_carry_description_open_graph_and_json_ld(make_site, tmp_path):
    out = build(
        make_site,
        tmp_path,
        {
            "content/en/a.md": article("Title </script> & more", "The <b>summary</b>.", author="Noa"),
            "content/he/a.md": hebrew("כותרת", "תקציר בעברית."),
        },
    )
    page = (out / "he/a/index.html").read_text("utf-8")
    assert '<meta name="description" content="תקציר בעברית.">' in page
    assert '<meta property="og:locale" content="he_IL">' in page
    assert '<meta property="og:locale:alternate" content="en_US">' in page
    assert '<meta property="og:type" content="article">' in page
    assert '<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">' in page
    assert (out / "assets/favicon.svg").read_text("utf-8").startswith("<svg")
    english = (out / "en/a/index.html").read_text("utf-8")
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', english, re.DOTALL)
    assert script is not None and "</script" not in script.group(1) and "<" not in script.group(1)
    data = json.loads(script.group(1))
    assert data["@type"] == "Article" and data["inLanguage"] == "en" and data["author"]["name"] == "Noa"
    assert data["headline"] == "Title </script> & more" and data["url"] == "https://example.org/en/a/"
    assert '<meta property="og:type" content="website">' in (out / "en/index.html").read_text("utf-8")


def test_feeds_are_valid_atom_without_authors_and_tags_have_their_own(make_site, tmp_path):
    out = build(
        make_site,
        tmp_path,
        {
            "content/en/a.md": article(author="Noa", tags="[kindness]"),
            "content/he/a.md": hebrew(tags="[kindness]"),  # no author: allowed in Hebrew
            "content/en/b.md": article("B", tags="[gratitude]"),
        },
        SITE_YAML + "title: {en: Open Heart, he: לב פתוח}\n",
    )
    for path in ("en/feed.xml", "he/feed.xml", "en/tags/kindness/feed.xml", "he/tags/kindness/feed.xml", "en/tags/gratitude/feed.xml"):
        assert_valid_atom((out / path).read_bytes())
    hebrew_feed = assert_valid_atom((out / "he/feed.xml").read_bytes())
    assert hebrew_feed.findtext(f"{ATOM}author/{ATOM}name") == "לב פתוח"  # the site, for entries that name no author
    assert hebrew_feed.find(f"{ATOM}entry/{ATOM}author") is None
    tagged = assert_valid_atom((out / "en/tags/kindness/feed.xml").read_bytes())
    assert [e.findtext(f"{ATOM}id") for e in tagged.findall(f"{ATOM}entry")] == ["https://example.org/en/a/"]
    assert tagged.findtext(f"{ATOM}id") == "https://example.org/en/tags/kindness/"
    assert 'href="/en/tags/kindness/feed.xml"' in (out / "en/tags/kindness/index.html").read_text("utf-8")


def test_the_sitemap_lists_the_root_and_tag_pages(make_site, tmp_path):
    out = build(make_site, tmp_path, {"content/en/a.md": article(tags="[kindness]"), "content/he/a.md": hebrew(tags="[kindness]")})
    locs = [n.text for n in ET.fromstring((out / "sitemap.xml").read_bytes()).iter(f"{SITEMAP}loc")]
    assert "https://example.org/" in locs
    assert "https://example.org/en/tags/kindness/" in locs and "https://example.org/he/tags/kindness/" in locs


def test_the_language_switcher_on_a_later_list_page_leads_to_that_page(make_site, tmp_path):
    site_yaml = SITE_YAML + "per_page: 1\n"
    files = {f"content/en/a{n}.md": article(f"A {n}") for n in range(3)}
    files.update({f"content/he/a{n}.md": hebrew(f"כותרת {n}") for n in range(2)})
    out = build(make_site, tmp_path, files, site_yaml)
    page = (out / "he/page/2/index.html").read_text("utf-8")
    assert '<a href="/he/page/2/" lang="he" hreflang="he" aria-current="page">' in page
    assert '<a href="/en/page/2/" lang="en" hreflang="en">' in page
    third = (out / "en/page/3/index.html").read_text("utf-8")
    assert '<a href="/he/page/3/" lang="he" hreflang="he">' in third  # the untranslated one is there as a fallback
    omitted = build(
        make_site, tmp_path / "omit", files, site_yaml.replace("    unverified: off\n", "    unverified: off\n    untranslated: omit\n")
    )
    assert '<a href="/he/" lang="he" hreflang="he">' in (omitted / "en/page/3/index.html").read_text("utf-8")  # Hebrew has two pages


def test_a_tags_list_is_paginated_as_the_index_is(make_site, tmp_path):
    site_yaml = SITE_YAML + "per_page: 1\n"
    files = {f"content/en/a{n}.md": article(f"A {n}", tags="[kindness]") for n in range(3)}
    files.update({f"content/he/a{n}.md": hebrew(f"כותרת {n}", tags="[kindness]") for n in range(2)})
    out = build(make_site, tmp_path, files, site_yaml.replace("    unverified: off\n", "    unverified: off\n    untranslated: omit\n"))
    first, second, third = (out / f"en/tags/kindness/{p}index.html" for p in ("", "page/2/", "page/3/"))
    assert [page.is_file() for page in (first, second, third)] == [True, True, True]
    assert not (out / "en/tags/kindness/page/4/index.html").exists()
    assert not (out / "he/tags/kindness/page/3/index.html").exists()  # Hebrew has two tagged articles
    lists = [re.findall(r'<h2><a href="/en/(a\d)/">', page.read_text("utf-8")) for page in (first, second, third)]
    assert lists == [["a2"], ["a1"], ["a0"]]  # newest first, one a page
    middle = second.read_text("utf-8")
    assert '<a href="/en/tags/kindness/" rel="prev">' in middle and '<a href="/en/tags/kindness/page/3/" rel="next">' in middle
    assert '<a href="/he/tags/kindness/page/2/" lang="he" hreflang="he">' in middle  # the switcher keeps the page number
    assert '<a href="/he/tags/kindness/" lang="he" hreflang="he">' in third.read_text("utf-8")  # or leads to the tag's first page
    assert (
        'hreflang="he"' not in re.sub(r"<nav.*?</nav>", "", middle, flags=re.DOTALL).split("</head>")[0]
    )  # a later page has no alternates
    assert "kindness/page/" not in (out / "sitemap.xml").read_text("utf-8")  # as the index's later pages, not in the sitemap


def test_the_language_choice_page_has_a_heading(make_site, tmp_path):
    out = build(make_site, tmp_path, {"content/en/a.md": article()})
    page = (out / "index.html").read_text("utf-8")
    assert re.search(r"<h1[^>]*>.*</h1>", page, re.DOTALL)


def test_the_sample_sites_feeds_are_valid_atom(tmp_path):
    from test_browser import ROOT

    out = tmp_path / "out"
    assert run("build", "--root", str(ROOT), "--out", str(out)).exit_code == 0
    feeds = sorted(out.rglob("feed.xml"))
    assert len(feeds) > 2  # one per locale and one per tag
    for path in feeds:
        feed = assert_valid_atom(path.read_bytes())
        assert feed.findall(f"{ATOM}entry"), path
