"""Markdown bodies: internal links and images resolve, images have alt text, raw HTML and unsafe URLs."""

from __future__ import annotations

from conftest import SITE_YAML, article, hebrew, validate_json

EN_ONLY = SITE_YAML.split("  he:\n")[0] + "tags:" + SITE_YAML.split("tags:")[1]


def site_with(make_site, body: str, site_yaml: str = EN_ONLY, **extra: str | bytes):
    """An English-only site (no translation noise) whose article a.md has `body`."""
    files = {"content/en/a.md": article(body=body), "content/en/b.md": article()}
    return make_site({**files, **extra}, site_yaml)


def test_links_between_articles_resolve(make_site):
    body = "See [b](b.md), [b again](./b.md#part), [the list](/en/), [b's page](/en/b/) and [out](https://example.com/x).\n"
    assert validate_json(site_with(make_site, body, **{"content/en/b.md": article(body="## Part\n\nText.\n")})).diagnostics == []


def test_broken_internal_links_are_located(make_site):
    body = "Intro.\n\nSee [gone](gone.md) and\n[up](../../../etc/passwd) and [page](/en/gone/).\n"
    result = validate_json(site_with(make_site, body))
    assert result.diagnostics == [
        ("content/en/a.md", 9, 12, "link-broken"),
        ("content/en/a.md", 10, 6, "link-broken"),
        ("content/en/a.md", 10, 38, "link-broken"),
    ]


def test_a_misspelt_article_link_suggests_the_article_meant(make_site):
    result = validate_json(site_with(make_site, "See [b](bb.md).\n"))
    assert result.messages["link-broken"] == "link target 'bb.md' is not an article (content/en/bb.md does not exist); did you mean 'b.md'?"


def test_reference_style_link_is_reported_at_its_definition(make_site):
    body = "See [the guide][g].\n\n[g]: missing.md\n"
    assert validate_json(site_with(make_site, body)).diagnostics == [("content/en/a.md", 9, 6, "link-broken")]


def test_links_inside_code_are_not_links(make_site):
    body = "Write `[x](nowhere.md)` like this:\n\n```\n[y](nowhere.md) <script>\n```\n"
    assert validate_json(site_with(make_site, body)).diagnostics == []


def test_a_hebrew_link_to_an_untranslated_article_falls_back_to_the_source(make_site):
    root = make_site(
        {
            "content/en/a.md": article(body="See [the article](c.md).\n"),
            "content/en/c.md": article(),
            "content/he/a.md": hebrew(body="ראו [מאמר](c.md).\n"),
        }
    )
    assert validate_json(root).diagnostics == [("content/en/c.md", 1, 1, "translation-missing")]


def test_images_resolve_under_static_and_need_alt_text(make_site):
    body = "![A heart](/images/heart.svg)\n\n![](/images/heart.svg)\n\n![Gone](/images/gone.png)\n"
    result = validate_json(site_with(make_site, body, **{"static/images/heart.svg": "<svg/>"}))
    assert result.diagnostics == [
        ("content/en/a.md", 9, 1, "image-alt-missing"),
        ("content/en/a.md", 11, 1, "image-missing"),
    ]


def test_cover_image_is_checked_too(make_site):
    root = make_site(
        {
            "content/en/a.md": article(image="\n  src: /images/missing.png\n  alt: A cover"),
            "content/he/a.md": hebrew(image="\n  src: /images/missing.png\n  alt: כריכה"),
        }
    )
    assert validate_json(root).diagnostics == [("content/en/a.md", 6, 8, "image-missing"), ("content/he/a.md", 6, 8, "image-missing")]


def test_unsafe_urls_are_errors_however_they_are_spelled(make_site):
    body = (
        "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1))\n"
        "[c](&#106;avascript:alert(1)) [d](data:text/html;base64,PHNjcmlwdD4=)\n"
        "![e](vbscript:msgbox) <file:///etc/passwd>\n"
    )
    result = validate_json(site_with(make_site, body))
    assert result.exit_code == 1
    assert result.diagnostics == [
        ("content/en/a.md", 7, 5, "url-unsafe"),
        ("content/en/a.md", 7, 30, "url-unsafe"),
        ("content/en/a.md", 8, 5, "url-unsafe"),
        ("content/en/a.md", 8, 35, "url-unsafe"),
        ("content/en/a.md", 9, 1, "url-unsafe"),
        ("content/en/a.md", 9, 24, "url-unsafe"),
    ]


def test_raw_html_is_a_warning_unless_allowed(make_site):
    body = 'Some <b>bold</b> text.\n\n<div class="note">\nA note.\n</div>\n'
    result = validate_json(site_with(make_site, body))
    assert result.exit_code == 0
    assert result.diagnostics == [("content/en/a.md", 7, 6, "html-raw"), ("content/en/a.md", 9, 1, "html-raw")]
    allowed = EN_ONLY + "markdown:\n  allow_raw_html: true\n"
    assert validate_json(site_with(make_site, body, allowed)).diagnostics == []


def test_html_that_runs_code_is_an_error_even_when_raw_html_is_allowed(make_site):
    body = 'Hi <img src=x onerror=alert(1)>.\n\n<script>alert(1)</script>\n\n<iframe src="https://evil.example"></iframe>\n'
    allowed = EN_ONLY + "markdown:\n  allow_raw_html: true\n"
    result = validate_json(site_with(make_site, body, allowed))
    assert result.exit_code == 1
    assert result.diagnostics == [
        ("content/en/a.md", 7, 4, "html-unsafe"),
        ("content/en/a.md", 9, 1, "html-unsafe"),
        ("content/en/a.md", 11, 1, "html-unsafe"),
    ]
