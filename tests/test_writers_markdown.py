"""What writers type: GFM (tables, footnotes, strikethrough, task lists, bare URLs), section links that hold across
languages, and highlighted code — in pages, the API and feeds."""

from __future__ import annotations

import json
import re

from conftest import SITE_YAML, article, hebrew, run, validate_json

GFM = """Intro with ~~old~~ text and a bare https://example.com/x link.[^note]

| Name | Value |
| ---- | ----: |
| one  | 1     |

- [x] done
- [ ] to do

[^note]: The footnote.
"""


def build(root, tmp_path):
    out = tmp_path / "out"
    result = run("build", "--root", str(root), "--out", str(out))
    assert result.exit_code == 0, result.stdout + result.stderr
    return out


def test_gfm_renders_in_pages_the_api_and_feeds(make_site, tmp_path):
    root = make_site({"content/en/a.md": article(body=GFM), "content/he/a.md": hebrew(body=GFM.replace("Intro", "מבוא"))})
    assert validate_json(root).diagnostics == []
    out = build(root, tmp_path)
    for lang in ("en", "he"):
        page = (out / f"{lang}/a/index.html").read_text("utf-8")
        assert "<del>old</del>" in page
        assert '<a href="https://example.com/x">' in page
        assert "<table>" in page and ">Name</" in page and '<td class="align-end">1</td>' in page  # mirrors in RTL
        assert '<span class="task">☑</span> done' in page and '<span class="task">☐</span>' in page
        assert 'href="#fn-note"' in page and '<li id="fn-note">' in page and 'href="#fnref-note"' in page
        assert "<input" not in page.split('<div class="article-body">')[1]  # a task's box is no unlabelled form control
        document = json.loads((out / f"api/{lang}/articles/a.json").read_text("utf-8"))
        assert "<del>old</del>" in document["html"] and "<table>" in document["html"]
        assert "&lt;del&gt;old&lt;/del&gt;" in (out / f"{lang}/feed.xml").read_text("utf-8")


def test_a_dead_fragment_is_an_error_at_its_line_with_the_ids_that_exist(make_site):
    body = "## Why it works\n\nSee [above](#why-it-work), [b](b.md#steps) and [ok](b.md#first-steps).\n"
    root = make_site(
        {
            "content/en/a.md": article(body=body),
            "content/en/b.md": article(body="## First steps\n\nText.\n"),
        },
        site_yaml=None,
    )
    (root / "site.yaml").write_text(_EN_ONLY, encoding="utf-8")
    result = validate_json(root)
    assert result.exit_code == 1
    assert [d for d in result.diagnostics if d[3] == "link-anchor"] == [
        ("content/en/a.md", 9, 13, "link-anchor"),  # at the destination
        ("content/en/a.md", 9, 32, "link-anchor"),
    ]
    messages = [d["message"] for d in json.loads(result.stdout)["diagnostics"]]
    assert any("did you mean 'why-it-works'?" in m for m in messages)
    assert any("no section 'steps' on /en/b/" in m and "first-steps" in m for m in messages)


def test_a_translation_keeps_its_sources_section_ids(make_site, tmp_path):
    source = "## Avoiding burnout\n\nText.\n\n## Custom heading {#shared}\n\nMore.\n"
    translated = "## להימנע משחיקה\n\nטקסט.\n\n## כותרת {#shared}\n\nעוד.\n"
    linking = "See [burnout](v.md#avoiding-burnout) and [shared](v.md#shared).\n"
    root = make_site(
        {
            "content/en/v.md": article(body=source),
            "content/he/v.md": hebrew(body=translated),
            "content/en/l.md": article(body=linking),
            "content/he/l.md": hebrew(body="ראו " + linking),
        }
    )
    assert [d for d in validate_json(root).diagnostics if d[3] == "link-anchor"] == []
    out = build(root, tmp_path)
    hebrew_page = (out / "he/v/index.html").read_text("utf-8")
    assert '<h2 id="avoiding-burnout">להימנע משחיקה<a class="permalink" href="#avoiding-burnout"' in hebrew_page
    assert '<h2 id="shared">כותרת<a class="permalink" href="#shared"' in hebrew_page and "{#" not in hebrew_page
    document = json.loads((out / "api/he/articles/v.json").read_text("utf-8"))
    assert '<h2 id="avoiding-burnout">להימנע משחיקה</h2>' in document["html"]  # the API gets the body without permalinks
    assert 'href="/he/v/#avoiding-burnout"' in (out / "he/l/index.html").read_text("utf-8")


def test_a_hebrew_slug_is_not_an_id_of_the_translation(make_site):
    root = make_site(
        {
            "content/en/v.md": article(body="## Avoiding burnout\n\nText.\n"),
            "content/he/v.md": hebrew(body="## להימנע משחיקה\n\nטקסט [כאן](#להימנע-משחיקה).\n"),
        }
    )
    result = validate_json(root)
    assert ("content/he/v.md", 9, 12, "link-anchor") in result.diagnostics
    assert result.messages["link-anchor"] == (  # what the translator wrote came from the heading they see: they are told its id
        "link target '#להימנע-משחיקה': no section 'להימנע-משחיקה' on this page; its heading 'להימנע משחיקה' has the id "
        "'avoiding-burnout', its source heading's (a translation's headings keep their source's ids): link to "
        "'#avoiding-burnout' (its sections: avoiding-burnout)"
    )


def test_a_link_from_another_page_by_a_hebrew_heading_s_words_is_told_the_id(make_site):
    encoded = "%D7%9C%D7%94%D7%99%D7%9E%D7%A0%D7%A2-%D7%9E%D7%A9%D7%97%D7%99%D7%A7%D7%94"  # להימנע-משחיקה, as a URL has it
    root = make_site(
        {
            "content/en/v.md": article(body="## Avoiding burnout\n\nText.\n"),
            "content/he/v.md": hebrew(body="## להימנע משחיקה\n\nטקסט.\n"),
            "content/en/w.md": article(body="See [there](v.md#avoiding-burnout).\n"),
            "content/he/w.md": hebrew(body=f"ראו [שם](v.md#{encoded}) ו[עוד](v.md#no-such).\n"),
        }
    )
    found = [d for d in json.loads(validate_json(root).stdout)["diagnostics"] if d["code"] == "link-anchor"]
    assert [(d["path"], d["line"]) for d in found] == [("content/he/w.md", 7), ("content/he/w.md", 7)]
    assert found[0]["message"] == (
        f"link target 'v.md#{encoded}': no section 'להימנע-משחיקה' on /he/v/; its heading 'להימנע משחיקה' has the id "
        "'avoiding-burnout', its source heading's (a translation's headings keep their source's ids): link to "
        "'v.md#avoiding-burnout' (its sections: avoiding-burnout)"
    )
    assert "its heading" not in found[1]["message"]  # a fragment no heading's words make gets the usual hint


def test_code_blocks_are_highlighted_with_classes_and_a_light_and_dark_stylesheet(make_site, tmp_path):
    body = 'Code:\n\n```python\ndef f(x):\n    return "<b>"  # note\n```\n\n```nosuchlanguage\nplain <text>\n```\n'
    root = make_site({"content/en/a.md": article(body=body), "content/he/a.md": hebrew(body=body.replace("Code", "קוד"))})
    out = build(root, tmp_path)
    for lang in ("en", "he"):
        page = (out / f"{lang}/a/index.html").read_text("utf-8")
        assert '<pre dir="ltr" tabindex="0" class="highlight"><code class="language-python"><span class="k">def</span>' in page
        assert '<span class="s2">&quot;&lt;b&gt;&quot;</span>' in page or '<span class="s2">"&lt;b&gt;"</span>' in page
        assert '<code class="language-nosuchlanguage">plain &lt;text&gt;\n</code>' in page
        assert 'href="/assets/highlight.css"' in page
    css = (out / "assets/highlight.css").read_text("utf-8")
    assert ".highlight .k {" in css and "@media (prefers-color-scheme: dark)" in css
    assert "left" not in css and "right" not in css  # logical properties only


def test_permalinks_a_table_of_contents_and_footnote_labels_in_the_pages_language(make_site, tmp_path):
    body = "Intro.[^1]\n\n## First part\n\nText.\n\n### A detail\n\nMore.\n\n[^1]: A note.\n"
    hebrew_body = "מבוא.[^1]\n\n## חלק ראשון\n\nטקסט.\n\n### פרט\n\nעוד.\n\n[^1]: הערה.\n"
    root = make_site({"content/en/a.md": article(body=body, toc="true"), "content/he/a.md": hebrew(body=hebrew_body, toc="true")})
    out = build(root, tmp_path)
    english = (out / "en/a/index.html").read_text("utf-8")
    assert '<nav class="toc" aria-label="On this page"' in english
    assert '<li class="toc-level-2"><a href="#first-part">First part</a></li>' in english
    assert '<li class="toc-level-3"><a href="#a-detail">A detail</a></li>' in english
    assert '<a class="permalink" href="#first-part" aria-label="Link to this section"></a></h2>' in english
    assert 'aria-label="Back to reference 1"' in english
    page = (out / "he/a/index.html").read_text("utf-8")
    assert '<nav class="toc" aria-label="בעמוד הזה"' in page
    assert '<li class="toc-level-2"><a href="#first-part">חלק ראשון</a></li>' in page  # the source's ids
    assert 'aria-label="קישור לסעיף הזה"' in page and 'aria-label="חזרה להפניה 1"' in page
    without = make_site({"content/en/a.md": article(body=body), "content/he/a.md": hebrew(body=hebrew_body)})
    assert 'class="toc"' not in (build(without, tmp_path / "plain") / "en/a/index.html").read_text("utf-8")


_EN_ONLY = """\
title: {en: Test}
base_url: https://example.org/
source_locale: en
locales:
  en: {name: English}
tags:
  kindness: {en: Kindness}
"""


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x80\x00\x00\x01\xe0\x08\x02\x00\x00\x00" + b"\x00" * 16  # 640 x 480
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc0\x00\x11\x08\x00\xc8\x01\x2c\x03" + b"\x00" * 12


def test_images_get_their_intrinsic_size_lazy_loading_and_a_caption_from_their_title(make_site, tmp_path):
    body = (
        '![A chart](/images/chart.png "Figure 1: the chart")\n\n'
        "Text with an inline ![photo](../../static/images/photo.jpg) image.\n\n"
        "![A drawing](/images/drawing.svg)\n"
    )
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 320 200"></svg>'
    files = {
        "content/en/a.md": article(body=body),
        "content/he/a.md": hebrew(body=body.replace("Text with an inline", "טקסט עם תמונה").replace("Figure 1", "איור 1")),
        "static/images/chart.png": PNG,
        "static/images/photo.jpg": JPEG,
        "static/images/drawing.svg": svg,
    }
    out = build(make_site(files), tmp_path)
    page = (out / "en/a/index.html").read_text("utf-8")
    assert (
        '<figure><img src="/images/chart.png" alt="A chart" title="Figure 1: the chart" width="640" height="480" decoding="async">'
        "<figcaption>Figure 1: the chart</figcaption></figure>" in page
    )  # the first image, with no cover above it, is not lazy
    assert '<img src="/images/photo.jpg" alt="photo" width="300" height="200" loading="lazy" decoding="async">' in page
    assert '<p><img src="/images/drawing.svg" alt="A drawing" width="320" height="200" loading="lazy" decoding="async"></p>' in page
    hebrew_page = (out / "he/a/index.html").read_text("utf-8")
    assert '<figcaption>איור 1: <span dir="ltr" lang="en">the chart</span></figcaption>' in hebrew_page  # isolated like the text


def test_a_cover_image_has_its_size_and_body_images_below_it_are_lazy(make_site, tmp_path):
    files = {
        "content/en/a.md": article(body="![A chart](/images/chart.png)\n", image="{src: /images/chart.png, alt: A chart}"),
        "content/he/a.md": hebrew(body="![תרשים](/images/chart.png)\n", image="{src: /images/chart.png, alt: תרשים}"),
        "static/images/chart.png": PNG,
    }
    page = (build(make_site(files), tmp_path) / "en/a/index.html").read_text("utf-8")
    assert '<img src="/images/chart.png" alt="A chart" width="640" height="480">' in page
    assert '<p><img src="/images/chart.png" alt="A chart" width="640" height="480" loading="lazy" decoding="async"></p>' in page


def test_where_raw_html_is_allowed_the_sanitizer_keeps_what_gfm_and_the_page_add(make_site, tmp_path):
    site_yaml = SITE_YAML + "markdown:\n  allow_raw_html: true\n"
    body = "Note.[^1] <em>raw</em>\n\n```python\nx = 1\n```\n\n![A chart](/images/chart.png)\n\n[^1]: The note.\n"
    files = {
        "content/en/a.md": article(body=body),
        "content/he/a.md": hebrew(body=body.replace("Note.", "הערה.")),
        "static/images/chart.png": PNG,
    }
    page = (build(make_site(files, site_yaml), tmp_path) / "en/a/index.html").read_text("utf-8")
    assert "<em>raw</em>" in page
    assert '<pre dir="ltr" tabindex="0" class="highlight">' in page
    assert 'aria-label="Back to reference 1"' in page
    assert 'width="640" height="480"' in page and 'decoding="async"' in page


def test_a_heading_named_like_the_pages_own_landmarks_gets_an_id_of_its_own(make_site, tmp_path):
    body = "## Content\n\nText.\n\n## Site search query\n\nMore. [Skip to the text](#content), [second](#content-2).\n"
    hebrew_body = "## תוכן\n\nטקסט.\n\n## חיפוש\n\nעוד [לתוכן](#content), [שני](#content-2).\n"
    root = make_site({"content/en/a.md": article(body=body, toc="true"), "content/he/a.md": hebrew(body=hebrew_body, toc="true")})
    assert [d for d in validate_json(root).diagnostics if d[3] == "link-anchor"] == []
    out = build(root, tmp_path)
    for lang in ("en", "he"):
        page = (out / f"{lang}/a/index.html").read_text("utf-8")
        ids = re.findall(r'\sid="([^"]*)"', page)
        assert len(ids) == len(set(ids)), sorted(ids)  # the skip link still reaches <main>, the contents reach the heading
        assert '<main id="content"' in page and '<h2 id="content-2">' in page and '<h2 id="site-search-query-2">' in page
        assert '<a href="#content-2">' in page
