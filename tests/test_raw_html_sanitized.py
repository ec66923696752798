"""With `allow_raw_html: true`, what reaches readers passes an allow-list, after every rewrite (links, bidi isolation)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from conftest import SITE_YAML, article, hebrew, run

ALLOWED = SITE_YAML + "markdown:\n  allow_raw_html: true\n"

# Each was written to get past a check that looks for script-like markup in the Markdown source.
PAYLOADS = (
    '<svg><animate onbegin="alert(1)" attributeName="x" dur="1s"></animate></svg>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<div style="background:url(https://evil.example/track)">styled</div>',
    "<details open ontoggle=alert(1)>x</details>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<button formaction="javascript:alert(1)">go</button>',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="x" onload  =  "alert(1)">',
    '<p dir="ltr" onmouseover="alert(1)">hover</p>',
    "<div>\n<![<![<![ <img src=x onerror=alert(1)>",  # made Python's html.parser raise AssertionError
    "<div>\n<svg><![CDATA[</svg><img src=x onerror=alert(1)>]]></svg>",
)

SAFE_TAGS = {
    "p",
    "a",
    "img",
    "em",
    "strong",
    "code",
    "pre",
    "bdi",
    "span",
    "div",
    "h2",
    "h3",
    "ul",
    "ol",
    "li",
    "br",
    "details",
    "sup",
    "sub",
}
SAFE_ATTRIBUTES = {"href", "src", "alt", "dir", "lang", "id", "title", "class", "width", "height", "open"}


class _Body(HTMLParser):
    """Every tag and attribute inside the article's body, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def _body(page: str) -> str:
    match = re.search(r'<div class="article-body">(.*)</div>\s*(?:<footer class="article-footer"|</article>)', page, re.DOTALL)
    assert match, "no article body on the page"
    return match.group(1)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_raw_html_that_validation_lets_through_is_sanitized(make_site, tmp_path, payload):
    root = make_site(
        {
            "content/en/a.md": article(body=f"Before.\n\n{payload}\n\nAfter [b](b.md).\n"),
            "content/en/b.md": article(),
            "content/he/a.md": hebrew(),
            "content/he/b.md": hebrew(),
        },
        ALLOWED,
    )
    out = tmp_path / "out"
    result = run("build", "--root", str(root), "--out", str(out))
    if result.exit_code == 1:
        assert "html-unsafe" in result.stdout or "url-unsafe" in result.stdout
        return
    assert result.exit_code == 0, result.stdout + result.stderr
    page = (out / "en/a/index.html").read_text("utf-8")
    parser = _Body()
    parser.feed(_body(page))
    for tag, attrs in parser.found:
        assert tag in SAFE_TAGS, (payload, tag)
        assert set(attrs) <= SAFE_ATTRIBUTES, (payload, tag, attrs)
        for name in ("href", "src"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value or value.startswith(("/", "https:", "http:", "mailto:", "#")) or ":" not in value.split("/")[0], (
                payload,
                value,
            )
    assert 'href="/en/b/"' in page  # links are rewritten before the sanitizer, which keeps them
    assert "After" in page and "Before." in page


def test_allowed_markup_survives_the_sanitizer(make_site, tmp_path):
    body = '<p dir="ltr" class="note">C++ <em>and</em> <abbr title="HyperText">HTML</abbr></p>\n\n<details><summary>More</summary>Text.</details>\n'
    root = make_site({"content/en/a.md": article(body=body), "content/he/a.md": hebrew()}, ALLOWED)
    out = tmp_path / "out"
    assert run("build", "--root", str(root), "--out", str(out)).exit_code == 0
    page = (out / "en/a/index.html").read_text("utf-8")
    assert '<p dir="ltr" class="note">C++ <em>and</em> <abbr title="HyperText">HTML</abbr></p>' in page
    assert "<details><summary>More</summary>Text.</details>" in page
