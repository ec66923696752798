"""Property-based tests: for any input, a diagnostic or output — never an uncaught exception — and no executable script."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from conftest import SITE_YAML
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.catalogs import checks as catalog_checks
from pipeline.catalogs import formats, pofiles
from pipeline.config.site import load_config
from pipeline.config.yamldoc import load
from pipeline.content import checks, textcheck
from pipeline.content.articles import FrontMatterRules, parse
from pipeline.content.markdown import render_trusted, scan
from pipeline.content.sources import SourceFile, decode
from pipeline.render import bidi

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# Markdown-ish text: the characters that make structure, plus Hebrew, bidi controls and markup.
MARKDOWN_ALPHABET = st.sampled_from(
    list("abc xyz\n\n#*_`[]()!<>/\\\"'=:;&-+.|~")
    + [
        "javascript:",
        "<script>",
        "</script>",
        "onerror=",
        "<img ",
        "<a href=",
        "```\n",
        "    ",
        "שלום",
        "\u202e",
        "\u2067",
        "\u200f",
        "&#106;",
        "data:",
        "](",
        "\t",
    ]
)
markdown_text = st.lists(MARKDOWN_ALPHABET, max_size=80).map("".join)
yaml_text = st.lists(
    st.sampled_from(
        list("ab: -[]{}&*!|>'\"#\n\t?,%@`") + ["title", "date", "2024-03-12", "  ", "!!python/object:os.system", "שלום", "\u202e"]
    ),
    max_size=60,
).map("".join)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _text_of(markup: str) -> str:
    """What a reader gets of some HTML as text, without bidi isolates."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return re.sub("[\u2066\u2067\u2069]", "", "".join(parser.parts))


class _Executable(HTMLParser):
    """What a browser would run in some HTML: script-like elements, event handlers, script URLs."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "frame", "base", "form", "meta", "link"):
            self.found.append(tag)
        for name, value in attrs:
            url = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on") or (
                name in ("href", "src", "action", "formaction") and url.startswith(("javascript:", "vbscript:", "data:"))
            ):
                self.found.append(f"{tag} {name}={value}")


def runs_something(markup: str) -> list[str]:
    return _Executable(markup).found


@SETTINGS
@given(yaml_text)
def test_any_yaml_gives_data_or_located_problems(text):
    doc = load(text, first_line=2)
    for problem in doc.problems:
        assert problem.line >= 2 and problem.column >= 1 and problem.code.startswith("yaml-")
    if doc.problems and any(p.code != "yaml-duplicate-key" for p in doc.problems):
        assert doc.data is None


@SETTINGS
@given(st.binary(max_size=200))
def test_any_bytes_decode_to_text_or_a_located_encoding_problem(data):
    text, problem = decode(data, "content/en/a.md")
    assert (text is None) == (problem is not None)
    if problem:
        assert problem.code == "encoding-invalid" and problem.line >= 1 and problem.column >= 1


@SETTINGS
@given(front=yaml_text, body=markdown_text)
def test_any_article_file_parses_to_an_article_or_diagnostics(make_site, front, body):
    root = make_site({})
    config, _ = load_config(root)
    rules = FrontMatterRules(config)
    result = parse(SourceFile("content/en/a.md", "en", "a", f"---\n{front}\n---\n{body}"), rules)
    assert (result.article is None) == bool(result.diagnostics)
    for d in result.diagnostics:
        assert d.path == "content/en/a.md" and d.line >= 1 and d.column >= 1


@SETTINGS
@given(markdown_text)
def test_any_markdown_scans_and_its_safe_html_runs_nothing(text):
    body = scan(text, first_line=5)
    assert runs_something(body.html) == [], body.html
    for ref in body.refs:
        assert ref.line >= 5 and ref.column >= 1
    for direction in ("rtl", "ltr"):
        isolated = bidi.isolate_html(body.html, direction)
        assert runs_something(isolated) == []
        added = re.compile(r'<span dir="(?:ltr|rtl)"(?: lang="(?:en|he)")?>|</span>| dir="ltr"|[\u2066\u2067\u2069]')
        tags = re.compile(r"<[^>]+>")
        assert tags.findall(added.sub("", isolated)) == tags.findall(added.sub("", body.html))  # only isolation was added
        assert _text_of(isolated) == _text_of(body.html)


@SETTINGS
@given(markdown_text)
def test_trusted_rendering_never_raises(text):
    assert isinstance(render_trusted(text), str)


@SETTINGS
@given(st.text(max_size=60))
def test_plain_text_isolation_adds_only_balanced_isolates(text):
    for direction in ("rtl", "ltr"):
        isolated = bidi.isolate_text(text, direction)
        assert isolated.replace("\u2066", "").replace("\u2067", "").replace("\u2069", "") == text.replace("\u2066", "").replace(
            "\u2067", ""
        ).replace("\u2069", "")
        opened = sum(isolated.count(c) - text.count(c) for c in "\u2066\u2067")
        assert opened == isolated.count("\u2069") - text.count("\u2069")  # every isolate added is closed


@SETTINGS
@given(st.text(max_size=80))
def test_text_checks_never_raise_and_locate_what_they_find(text):
    for problem in textcheck.check(text, first_line=3):
        assert problem.line >= 3 and problem.column >= 1


PO_TEXT = st.lists(
    st.sampled_from(list('ab %(){}<>/"=\n') + ["%(name)s", "{count}", "%d", "<b>", "</b>", "<script>", "onclick=", "שלום", "\u202e", "%%"]),
    max_size=30,
).map("".join)


@SETTINGS
@given(msgid=PO_TEXT, msgstr=PO_TEXT)
def test_catalog_checks_report_or_pass_any_translation(make_site, msgid, msgstr):
    def quote(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    po = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: he\\n"\n'
        '"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);\\n"\n\n'
        f"msgid {quote(msgid or 'x')}\nmsgstr {quote(msgstr)}\n"
    )
    root = make_site({"locales/he/LC_MESSAGES/messages.po": po})
    for d in catalog_checks.check_catalog(pofiles.read(root, "locales/he/LC_MESSAGES/messages.po"), "he"):
        assert d.path == "locales/he/LC_MESSAGES/messages.po" and d.line >= 1


@SETTINGS
@given(markdown_text)
def test_raw_html_that_validation_lets_through_runs_nothing(make_site, text):
    """With raw HTML allowed, whatever passes the checks renders without anything executable."""
    root = make_site({}, SITE_YAML + "markdown:\n  allow_raw_html: true\n")
    config, _ = load_config(root)
    index = checks.SiteIndex(frozenset(), frozenset(), frozenset(), ("en", "he"), "en")
    found = checks.check_body("content/en/a.md", "en", scan(text), index, config) + checks.check_trusted("content/en/a.md", text, 1)
    if not any(d.code in ("html-unsafe", "url-unsafe") for d in found):
        assert runs_something(render_trusted(text)) == [], text


FORMAT_PIECES: tuple[str, ...] = (
    "%(name)s",
    "%(count)d",
    "%(count)s",
    "%(count)5.2f",
    "%(name)",
    "%s",
    "%d",
    "%*d",
    "%.*f",
    "%%",
    "%",
    "%(",
    ")",
)
FORMAT_PIECES += ("{name}", "{count}", "{count:>5}", "{0}", "{1!r}", "{", "}", "{{", "}}", "{name.x}", "א", " ", "9", "s", "d")
FORMAT_TEXT = st.lists(st.sampled_from(FORMAT_PIECES), max_size=8).map("".join)


@SETTINGS
@given(msgstr=FORMAT_TEXT)
def test_a_translation_the_format_checks_accept_formats_as_python_does(msgstr):
    """What passes against its msgid formats with the msgid's arguments (no traceback in a build); what Python rejects is refused."""
    for msgid, values in (("%(name)s has %(count)d", {"name": "x", "count": 3}), ("%s of %d", ("x", 3))):
        parsed = formats.python(msgstr)
        accepted = parsed.error is None and not list(formats.compare(formats.python(msgid), parsed, may_omit=False))
        if accepted:
            assert isinstance(msgstr % values, str)
    for msgid in ("{name} has {count}", "{0} of {1}"):
        parsed = formats.brace(msgstr)
        if parsed.error is None and not list(formats.compare(formats.brace(msgid), parsed, may_omit=False)):
            assert isinstance(msgstr.format("x", 3, name="x", count=3), str)
