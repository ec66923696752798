"""The shortcuts taken for speed give what the plain way gives."""

from __future__ import annotations

import re
import sys

import jinja2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pipeline.content import markdown
from pipeline.render import bidi, l10n, theme

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOURCE_LINE = st.lists(
    st.sampled_from(list("ab <>[]()!:`-/?") + ["](", "![", "]:", "<!--", "<a ", "http:", "   ", "שלום"]), max_size=40
).map("".join)
MARKUP = st.lists(
    st.sampled_from(
        [
            "<",
            ">",
            "<>",
            "<p>",
            "</p>",
            "<code>",
            "</code>",
            "<pre>",
            "</pre>",
            "<PRE>",
            "<kbd>",
            "<samp x>",
            "</samp>",
            "<code",
            "<codex>",
            "<br>",
            "<br/>",
        ]
        + [
            '<img src="x"/>',
            '<span dir="rtl">',
            '<div dir="ltr">',
            '<b dir="auto">',
            '<i  dir="rtl" >',
            "</i>",
            "</b>",
            "</div>",
            "</span>",
            "<!-- x -->",
            "<!doctype html>",
        ]
        + [
            "a",
            "Node.js 20",
            "C++",
            "print()",
            "שלום",
            "ד״ר לוי",
            " ",
            "\n",
            ".",
            "-",
            "(",
            ")",
            "'",
            "’",
            "é",
            "5",
            'dir="rtl"',
            "x y",
            "a.b",
        ]
    ),
    max_size=40,
).map("".join)


@SETTINGS
@given(SOURCE_LINE)
def test_source_lines_without_a_needle_have_no_match(line):
    for pattern, needles in markdown._NEEDLES.items():
        if pattern.search(line):
            assert any(needle in line for needle in needles)


def test_whitespace_is_never_a_word_character_and_isalnum_is_one_except_underscore():
    word = re.compile(r"\w")
    for char in map(chr, range(sys.maxunicode + 1)):
        is_word = word.match(char) is not None
        assert not (char.isspace() and is_word), hex(ord(char))
        assert char.isalnum() == is_word or char == "_", hex(ord(char))


@SETTINGS
@given(
    st.text(alphabet=st.characters(), max_size=80)
    | st.lists(st.sampled_from(["a", "_", "é", "שלום", "5", "٣", " ", "\u00a0", "\u2028", "-", ".", "\u05b0"]), max_size=30).map("".join)
)
def test_word_count_is_the_number_of_word_runs(text):
    assert l10n.word_count(text) == len(re.findall(r"\w+", text))


@SETTINGS
@given(st.one_of(MARKUP, st.text(max_size=40)), st.sampled_from(["ltr", "rtl"]))
def test_html_isolation_is_the_plain_walk_over_every_tag(markup, direction):
    assert bidi.isolate_html(markup, direction) == _plain_isolate_html(markup, direction)


def _plain_isolate_html(markup: str, direction: str) -> str:
    """isolate_html as first written: every piece, the stack searched for code each time."""
    out: list[str] = []
    stack: list[tuple[str, str]] = []
    for piece in bidi._TAG.split(markup):
        if not piece:
            continue
        current = stack[-1][1] if stack else direction
        if piece.startswith("<"):
            out.append(_plain_open_or_close(piece, current, stack))
        elif any(tag in bidi._LTR_ALWAYS for tag, _ in stack):
            out.append(piece)
        else:
            opposite = "ltr" if current == "rtl" else "rtl"
            out.append(
                bidi._runs(current).sub(
                    lambda m, opposite=opposite: f'<span dir="{opposite}">{m.group()}</span>' if not m.group().isalpha() else m.group(),
                    piece,
                )
            )
    return "".join(out)


def _plain_open_or_close(tag: str, current: str, stack: list[tuple[str, str]]) -> str:
    name_match = bidi._TAG_NAME.match(tag)
    if not name_match or tag.startswith("<!"):
        return tag
    name = name_match.group(1).lower()
    if tag.startswith("</"):
        while stack and stack.pop()[0] != name:
            pass
        return tag
    if name in bidi._VOID or tag.endswith("/>"):
        return tag
    explicit = bidi._DIR_ATTR.search(tag)
    inner = explicit.group(1) if explicit and explicit.group(1) != "auto" else current
    if name in bidi._LTR_ALWAYS and not explicit and current == "rtl":
        tag = tag[:-1] + ' dir="ltr">'
        inner = "ltr"
    stack.append((name, inner))
    return tag


class _Dict(dict):
    lang = "attribute"


ATTRIBUTES = st.sampled_from(
    sorted(dir(dict)) + ["lang", "dir", "title", "missing", "__name__", "__mro__", "__dict__", "__slots__"]
) | st.text(max_size=6)


@SETTINGS
@given(ATTRIBUTES)
def test_attribute_lookup_on_contexts_is_jinjas(attribute):
    ours = theme._Environment(undefined=jinja2.StrictUndefined)
    theirs = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)  # the sandbox site templates render in
    for obj in ({"lang": "he", "dir": "rtl", "items": 1, attribute: 2}, {}, _Dict(lang="key"), "text", None, [1]):
        mine, jinjas = ours.getattr(obj, attribute), theirs.getattr(obj, attribute)
        if isinstance(jinjas, jinja2.Undefined):
            assert (
                isinstance(mine, jinja2.StrictUndefined)
                and mine._undefined_name == jinjas._undefined_name
                and mine._undefined_obj is jinjas._undefined_obj
            )
        else:
            assert mine == jinjas and type(mine) is type(jinjas)
