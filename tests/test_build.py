"""`pipeline build`: every output of the sample site, deterministic, RTL-aware, policies applied."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from conftest import SITE_YAML, article, hebrew, run

from pipeline.build.describe import build

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-26T12:00:00+00:00"


class Page(HTMLParser):
    """The parts of a page the checks look at."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.html: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.html = attributes
        if tag == "link":
            self.links.append(attributes)
        self.elements.append((tag, attributes))

    def alternates(self) -> dict[str, str]:
        return {link["hreflang"]: link["href"] for link in self.links if link.get("rel") == "alternate" and "hreflang" in link}

    def canonical(self) -> str:
        return next(link["href"] for link in self.links if link.get("rel") == "canonical")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out") / "public"
    result = run("build", "--root", str(ROOT), "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.stdout + result.stderr
    return out


def test_the_sample_site_has_every_output(sample):
    files = {p.relative_to(sample).as_posix() for p in sample.rglob("*") if p.is_file()}
    for lang in ("en", "he"):
        assert {f"{lang}/index.html", f"{lang}/feed.xml", f"{lang}/404.html", f"api/{lang}/articles.json"} <= files
        for article_id in ("kindness-mental-health", "gratitude-practice", "volunteering"):
            assert f"{lang}/{article_id}/index.html" in files
            assert f"api/{lang}/articles/{article_id}.json" in files
        assert f"{lang}/tags/kindness/index.html" in files
    assert {"index.html", "404.html", "sitemap.xml", "assets/style.css", "images/kindness.svg", "api/schema.json"} <= files


def test_two_builds_are_byte_identical():
    assert build(ROOT, now=None) == build(ROOT, now=None)


def test_every_page_has_lang_dir_canonical_and_reciprocal_hreflang(sample):
    pages = {p.relative_to(sample).as_posix(): Page(p.read_text("utf-8")) for p in sample.rglob("*.html")}
    by_url = {}
    for rel, page in pages.items():
        lang = rel.split("/")[0] if rel.split("/")[0] in ("en", "he") else "en"
        assert page.html == {"lang": lang, "dir": "rtl" if lang == "he" else "ltr"}, rel
        if not rel.endswith("404.html"):
            assert page.canonical().startswith("https://example.org/"), rel
            by_url[page.canonical()] = page
    for url, page in by_url.items():
        alternates = page.alternates()
        assert all(href.startswith("https://example.org/") for href in alternates.values())
        if alternates:
            assert "x-default" in alternates, url
        for code, href in alternates.items():
            if code != "x-default" and href in by_url:
                assert by_url[href].alternates().get(code) == href
                assert url in by_url[href].alternates().values(), (url, href)


def test_hebrew_article_page(sample):
    text = (sample / "he/kindness-mental-health/index.html").read_text("utf-8")
    assert "12 במרץ 2024" in text
    assert re.search(r"<h1>[^<]*הכוח המרפא", text)
    assert 'href="/en/kindness-mental-health/"' in text  # the switcher reaches the counterpart
    assert 'href="/he/gratitude-practice/"' in text  # links between articles stay in Hebrew
    assert "\\u05" not in text


def test_feeds_are_atom_with_language_and_rfc3339_dates(sample):
    for lang in ("en", "he"):
        feed = ET.fromstring((sample / f"{lang}/feed.xml").read_bytes())
        assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
        assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
        updated = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}updated")]
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", u or "") for u in updated)
        assert len(list(feed.iter("{http://www.w3.org/2005/Atom}entry"))) == 3


def test_sitemap_lists_pages_with_alternates(sample):
    urlset = ET.fromstring((sample / "sitemap.xml").read_bytes())
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    locs = [u.find("s:loc", ns).text for u in urlset.findall("s:url", ns)]
    assert "https://example.org/he/volunteering/" in locs and "https://example.org/en/" in locs
    entry = next(u for u in urlset.findall("s:url", ns) if u.find("s:loc", ns).text == "https://example.org/he/volunteering/")
    links = {link.get("hreflang"): link.get("href") for link in entry.findall("x:link", ns)}
    assert links == {
        "en": "https://example.org/en/volunteering/",
        "he": "https://example.org/he/volunteering/",
        "x-default": "https://example.org/en/volunteering/",
    }


def test_json_documents_follow_the_published_schema(sample):
    schema = json.loads(resources.files("pipeline").joinpath("data/api.schema.json").read_text("utf-8"))
    checker = jsonschema.FormatChecker()
    for path in sorted((sample / "api").rglob("*.json")):
        if path.name == "schema.json":
            continue
        text = path.read_text("utf-8")
        assert "\\u05" not in text
        document = json.loads(text)
        part = "index" if path.name == "articles.json" else "article"
        jsonschema.Draft202012Validator({**schema, "$ref": f"#/$defs/{part}"}, format_checker=checker).validate(document)
    he = json.loads((sample / "api/he/articles/volunteering.json").read_text("utf-8"))
    assert (he["lang"], he["dir"], he["translation"]["status"], he["fallback_from"]) == ("he", "rtl", "ok", None)
    assert re.fullmatch(r"[0-9a-f]{8}", he["translation"]["source_fingerprint"])


def test_css_uses_logical_properties_only(sample):
    css = (sample / "assets/style.css").read_text("utf-8")
    assert not re.search(
        r"(margin|padding|border)-(left|right)|(?<![-\w])(left|right)\s*:|text-align:\s*(left|right)|float:\s*(left|right)", css
    )


def small_site(make_site, site_yaml: str = SITE_YAML, **files: str):
    base = {
        "content/en/a.md": article("Alpha", body="See [b](b.md).\n"),
        "content/en/b.md": article("Beta", body="Text about C++ and `print()`.\n"),
        "content/he/a.md": hebrew("אלפא", body="ראו [ב](b.md).\n"),
    }
    return make_site({**base, **files}, site_yaml)


def test_an_untranslated_article_falls_back_with_a_notice_and_no_hebrew_hreflang(make_site, tmp_path):
    root = small_site(make_site)
    out = tmp_path / "out"
    assert run("build", "--root", str(root), "--out", str(out)).exit_code == 0
    page = (out / "he/b/index.html").read_text("utf-8")
    assert '<article class="article" lang="en" dir="ltr">' in page
    assert "notice-untranslated" in page
    parsed = Page(page)
    assert parsed.html == {"lang": "he", "dir": "rtl"}
    assert "he" not in parsed.alternates()
    assert parsed.canonical() == "https://example.org/en/b/"
    assert 'href="/he/b/"' in (out / "he/a/index.html").read_text("utf-8")


def test_the_omit_policy_leaves_untranslated_articles_out(make_site, tmp_path):
    root = small_site(make_site, SITE_YAML.replace("    unverified: off\n", "    unverified: off\n    untranslated: omit\n"))
    out = tmp_path / "out"
    assert run("build", "--root", str(root), "--out", str(out)).exit_code == 0
    assert not (out / "he/b").exists()
    assert 'href="/en/b/"' in (out / "he/a/index.html").read_text("utf-8")


def test_drafts_and_scheduled_articles(make_site, tmp_path):
    root = small_site(
        make_site,
        **{"content/en/c.md": article("Draft", draft="true"), "content/en/d.md": article("Later", publish_at="2030-01-01T09:00:00+02:00")},
    )
    out = tmp_path / "out"
    run("build", "--root", str(root), "--out", str(out), "--now", NOW)
    assert not (out / "en/c").exists() and not (out / "en/d").exists()
    run("build", "--root", str(root), "--out", str(out), "--now", "2030-01-01T07:00:00+00:00", "--drafts")
    assert (out / "en/c/index.html").exists() and (out / "en/d/index.html").exists()


def test_raw_html_is_escaped_unless_allowed(make_site, tmp_path):
    root = small_site(make_site, **{"content/en/b.md": article("Beta", body="Some <mark>marked</mark> text.\n")})
    out = tmp_path / "out"
    run("build", "--root", str(root), "--out", str(out))
    assert "Some &lt;mark&gt;marked&lt;/mark&gt; text." in (out / "en/b/index.html").read_text("utf-8")
    allowed = small_site(
        make_site,
        SITE_YAML + "markdown:\n  allow_raw_html: true\n",
        **{"content/en/b.md": article("Beta", body="Some <mark>marked</mark> text.\n")},
    )
    run("build", "--root", str(allowed), "--out", str(out))
    assert "Some <mark>marked</mark> text." in (out / "en/b/index.html").read_text("utf-8")


def test_code_is_left_to_right_and_latin_runs_isolated_in_hebrew(make_site, tmp_path):
    root = small_site(make_site, **{"content/he/b.md": hebrew("בטא", body="טקסט על C++ ועל `print()` ב־Node.js 20.\n\n```\nx = 1\n```\n")})
    out = tmp_path / "out"
    run("build", "--root", str(root), "--out", str(out))
    page = (out / "he/b/index.html").read_text("utf-8")
    assert '<span dir="ltr" lang="en">C++</span>' in page
    assert '<code dir="ltr">print()</code>' in page
    assert '<span dir="ltr" lang="en">Node.js 20</span>' in page
    assert '<pre dir="ltr" tabindex="0">' in page  # reachable by keyboard when it scrolls


def test_isolated_alt_text_stays_inside_its_attribute(make_site, tmp_path):
    body = 'תמונה של ![Node.js 20" onerror="alert(1)](/images/x.svg) ו-React.\n'
    root = small_site(make_site, **{"content/he/b.md": hebrew("בטא", body=body), "static/images/x.svg": "<svg/>"})
    out = tmp_path / "out"
    assert run("build", "--root", str(root), "--out", str(out)).exit_code == 0
    page = (out / "he/b/index.html").read_text("utf-8")
    assert 'alt="\u2066Node.js 20&quot; onerror=&quot;alert(1)\u2069"' in page
    images: list[list[str]] = []

    class Images(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "img":
                images.append([name for name, _ in attrs])

    Images().feed(page)
    assert images == [["src", "alt", "decoding"]]  # the quotes stayed text: only the page's own decoding="async" was added


def test_a_quote_in_a_title_stays_text_in_a_site_template_attribute(make_site, tmp_path):
    override = '{% extends "base.html" %}{% block head %}<meta name="description" content="{{ article.title }}">{% endblock %}'
    title = "'Beta\" onfocus=\"alert(1)'"
    root = small_site(make_site, **{"templates/article.html": override, "content/en/b.md": article(title)})
    out = tmp_path / "out"
    assert run("build", "--root", str(root), "--out", str(out)).exit_code == 0
    page = (out / "en/b/index.html").read_text("utf-8")
    attributes: list[str] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            attributes.extend(name for name, _ in attrs)

    Tags().feed(page)
    assert "content" in attributes and "onfocus" not in attributes  # the quotes in the title stayed text


def test_build_refuses_invalid_content_and_writes_nothing(make_site, tmp_path):
    root = small_site(make_site, **{"content/en/c.md": "---\ntitle: [\n---\n"})
    out = tmp_path / "out"
    result = run("build", "--root", str(root), "--out", str(out))
    assert result.exit_code == 1
    assert "content/en/c.md:3:1: error yaml-syntax" in result.stdout
    assert not out.exists()


def test_build_refuses_to_overwrite_the_site_or_a_foreign_folder(make_site, tmp_path):
    root = small_site(make_site)
    assert run("build", "--root", str(root), "--out", str(root)).exit_code == 2
    foreign = tmp_path / "docs"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    result = run("build", "--root", str(root), "--out", str(foreign))
    assert result.exit_code == 2 and (foreign / "keep.txt").exists()


@pytest.mark.parametrize("folder", ["content/built", "static/built", "templates", "locales/out", "schemas/site"])
def test_build_refuses_a_folder_the_site_reads(make_site, folder):
    """A build into static/ would publish itself with the next build (and `build --watch` would build for ever)."""
    root = small_site(make_site)
    result = run("build", "--root", str(root), "--out", str(root / folder))
    assert result.exit_code == 2, result.stdout
    assert f"it is inside the site's {folder.split('/')[0]}/ folder, which a build reads" in result.stderr
    assert not (root / folder / "index.html").exists()


def test_site_templates_override_the_theme_and_a_broken_one_is_located(make_site, tmp_path):
    override = '{% extends "base.html" %}{% block content %}<p class="custom">{{ article.title }}</p>{% endblock %}'
    root = small_site(make_site, **{"templates/article.html": override})
    out = tmp_path / "out"
    assert run("build", "--root", str(root), "--out", str(out)).exit_code == 0
    assert '<p class="custom">Alpha</p>' in (out / "en/a/index.html").read_text("utf-8")
    broken = small_site(make_site, **{"templates/article.html": "{% if %}\n"})
    result = run("build", "--root", str(broken), "--out", str(out))
    assert result.exit_code == 1
    assert re.search(r"templates/article.html:1:1: error template-error", result.stdout)


def test_content_with_errors_builds_nothing_and_says_how_many(make_site, tmp_path):
    root = make_site({"content/en/a.md": "---\ntitle: [\n---\n", "content/he/a.md": hebrew("כותרת")})
    result = run("build", "--root", str(root), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and not (tmp_path / "out").exists()
    assert "content/en/a.md:3:1: error yaml-syntax" in result.stdout + result.stderr
    assert "the content has 1 error; nothing was built" in result.stderr
    (root / "content/en/b.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    assert "the content has 2 errors; nothing was built" in run("build", "--root", str(root), "--out", str(tmp_path / "out")).stderr
