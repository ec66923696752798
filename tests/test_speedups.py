"""The shortcuts taken for speed give what the plain way gives."""

from __future__ import annotations

import gc
import gettext
import html
import json
import re
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from datetime import UTC, datetime
from importlib import resources
from typing import ClassVar

import jinja2
import pytest
from conftest import article
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from pipeline.build.describe import build
from pipeline.catalogs import runtime
from pipeline.config import schema, yamldoc
from pipeline.config.site import load_config
from pipeline.content import markdown, sources
from pipeline.render import api, bidi, gettextfold, l10n, search, theme

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


SEARCH_TEXT = st.text(alphabet=st.characters(), max_size=80) | st.lists(
    st.sampled_from(["a", "_", "É", "שלום", "צה", '"', "'", "\u05f4", "ל", "ם", "5", " ", "\u00a0", "\u05be", "-", ".", "\u05b0", "ing"]),
    max_size=30,
).map("".join)


@SETTINGS
@given(SEARCH_TEXT)
def test_search_counts_are_the_plain_regexes_counts(text):
    folded = unicodedata.normalize("NFD", text)  # as render/search.py's docstring says, with regexes and no shortcut
    separated = re.sub("[\u05be\u05c0\u05c3\u05c6]", " ", folded)
    folded = "".join(c for c in separated if not (unicodedata.category(c).startswith("M") and 0x300 <= ord(c) < 0x10000))
    folded = re.sub(r"(?<=[\u05d0-\u05ea])[\"'\u05f3\u05f4](?=[\u05d0-\u05ea])", "", folded.lower())
    folded = folded.translate(str.maketrans("ךםןףץ", "כמנפצ"))
    plain = Counter(search.stem(word) for word in re.findall(r"[^\W_]+", folded))
    assert list(search.counts(text).items()) == list(plain.items())


DOCUMENT_WEIGHTS = st.dictionaries(st.sampled_from(["a", "b", "ab", "שלום", "של", "z", "É", "a1"]), st.integers(1, 20), max_size=6).map(
    lambda found: (tuple(found), tuple(found.values()))
)


@SETTINGS
@given(st.lists(DOCUMENT_WEIGHTS, max_size=8), st.data())
def test_an_index_reposted_for_changed_documents_is_the_index_posted_afresh(before, data):
    """search.reposted against postings_of over the new weights: words gained, lost, kept with another weight, documents emptied."""
    changed = data.draw(st.lists(st.sampled_from(range(len(before))), unique=True) if before else st.just([]))
    after = list(before)
    for number in changed:
        after[number] = data.draw(DOCUMENT_WEIGHTS)
    posted = search.postings_of(before)
    kept = json.dumps(posted)
    assert search.reposted(posted, [(n, before[n], after[n]) for n in changed]) == search.postings_of(after)
    assert json.dumps(posted) == kept  # the last index is left as it was (serve may still be encoding it)


YAML_TEXT = st.lists(
    st.sampled_from(list("ab: -[]{},'\"#\n\t?!|>") + ["title", "2024-03-12", "  ", "- ", "[" * 20, "]" * 20, "x: ", "!!int ", "ש"]),
    max_size=60,
).map("".join)


@SETTINGS
@given(YAML_TEXT, st.integers(min_value=0, max_value=40))
def test_yaml_composed_at_once_loads_as_when_checked_event_by_event_first(text, depth):
    text = text + "\n" + "".join("  " * n + f"k{n}:\n" for n in range(depth)) if depth else text  # block nesting too
    quick = yamldoc.load(text, first_line=2)
    exact = yamldoc.load("# * (an alias sign: the document is checked event by event first)\n" + text, first_line=1)
    assert (quick.data, quick.lines, quick.problems, quick.values) == (exact.data, exact.lines, exact.problems, exact.values)


def test_yaml_past_the_bounds_is_refused_where_the_exact_check_says():
    deep = "x: " + "[" * 40 + "]" * 40
    many = "x: [" + ", ".join(["1"] * 20_000) + "]"
    for text in (deep, many):
        assert yamldoc.load(text).problems == yamldoc.load("# *\n" + text, first_line=0).problems
        assert yamldoc.load(text).problems[0].code == "yaml-syntax"
    fits = "x: " + "[" * 31 + "]" * 31
    assert yamldoc.load(fits).problems == ()
    between = "\n".join(f"{n}: [" + ", ".join(["1"] * 20) + "]" for n in range(600))  # past the quick bound, within the exact one
    assert yamldoc.load(between.replace(": [", "x: [")).problems == ()
    assert len(yamldoc.load_foreign(between).data) == 600


@SETTINGS
@given(st.one_of(MARKUP, st.text(max_size=40)), st.sampled_from(["ltr", "rtl"]))
def test_html_isolation_keeps_every_tag_and_the_text(markup, direction):
    """One pass over the tags with the inline text gathered up gives back every tag and the same text, only isolated."""
    isolated = bidi.isolate_html(markup, direction)
    assert _tags(isolated) == _tags(markup)
    assert _text(isolated) == _text(markup)


_ADDED = re.compile(r'<span dir="(?:ltr|rtl)"(?: lang="(?:en|he)")?>|</span>')


def _tags(markup: str) -> list[str]:
    return [t.replace(' dir="ltr"', "") for t in re.findall(r"<[^>]+>", markup) if not _ADDED.fullmatch(t)]


def _text(markup: str) -> str:
    return re.sub("[\u2066\u2067\u2069]", "", html.unescape(re.sub(r"<[^>]+>", "", markup)))


class _Dict(dict):
    lang = "attribute"


ATTRIBUTES = st.sampled_from(
    sorted(dir(dict)) + ["format", "lang", "dir", "title", "missing", "__name__", "__mro__", "__dict__", "__slots__"]
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
            assert type(mine) is type(jinjas)
            assert mine == jinjas or mine.__qualname__ == jinjas.__qualname__  # the sandbox wraps str.format anew each time


@pytest.mark.parametrize(
    ("unit", "closing"),
    [
        ("<strong>ב-React", "</strong>"),  # inline markup nested deeper and deeper, a run in each
        ('"Hello ', ""),  # quotes that never close
        ("word ", ""),  # one long English block on a Hebrew page
        ("שלום Node.js, x&lt;y &amp; ", ""),  # many short runs and references
        ("<em>a</em> ב-", ""),  # a run meeting a tag at every step
        ("[a]{dir=ltr} ", ""),  # author overrides
        ("+1 -2 v3 /a @b #c $4 ", ""),  # token starts everywhere
    ],
)
def test_html_isolation_takes_linear_time(unit, closing):
    """Four times the text takes about four times as long (a quadratic step would take sixteen)."""

    def seconds(count: int) -> float:
        markup = f"<p>{unit * count}{closing * count}</p>"
        best = float("inf")
        for _ in range(3):
            gc.collect()
            gc.disable()  # the collector's passes over the whole test session's heap are not the isolation's time
            try:
                start = time.process_time()
                bidi.isolate_html(markup, "rtl")
                bidi.isolate_html(markup, "ltr")
                best = min(best, time.process_time() - start)
            finally:
                gc.enable()
        return best

    small, large = seconds(1500), seconds(6000)
    assert large < max(8 * small, 0.05), (small, large)


class _Body:
    """Stands for a page body: not JSON itself, encoded by its `str` (as `default=str` does)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


JSON_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30) | st.sampled_from(
    ["\u2028\u2029", "\x00\x1f\x7f", '"\\/', "שלום\u200f", "😀", "\t\n\r\b\f", "</script>"]
)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1) | JSON_TEXT | JSON_TEXT.map(_Body),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(JSON_TEXT, inner, max_size=4),
    max_leaves=20,
)


@SETTINGS
@given(st.dictionaries(JSON_TEXT, JSON_VALUE, max_size=6))
def test_the_json_api_and_search_index_encoders_write_the_standard_librarys_bytes(document):
    """orjson (C) against json.dumps: the API's indented form (bodies by their str) and the search index's compact form."""
    plain = (json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")
    assert api.encode(document) == plain
    data = json.loads(plain)  # the search index holds only JSON values
    assert search.encode(data) == json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


FRONT_TEXT = st.sampled_from(["", "x", "Title", "2024-01-31", "2024-02-30", "2024-01-31T10:00:00+02:00", "2024-01-31T10:00"])
FRONT_TEXT |= st.sampled_from(["kindness", "a-b", "A", "a--b", "abc\n", "٤", "ab c", "https://x.org/", "//u:p@x"]) | st.text(max_size=8)
FRONT_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 2**70) | st.floats(allow_nan=False) | FRONT_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(FRONT_TEXT | st.sampled_from(["src", "alt", "en"]), inner, max_size=3),
    max_leaves=8,
)
FRONT_KEYS = st.sampled_from(["title", "date", "summary", "author", "tags", "draft", "toc", "publish_at", "image", "aliases", "lastmod"])


@SETTINGS
@given(st.dictionaries(FRONT_KEYS | FRONT_TEXT, FRONT_VALUE, max_size=8), st.sampled_from(["en", "he"]))
def test_the_compiled_schema_gate_passes_only_what_jsonschema_passes(front, lang):
    """jsonschema-rs lets a document skip jsonschema only if jsonschema finds nothing in it (the shipped article schema)."""
    article_schema = json.loads((resources.files("pipeline") / "data/article.schema.json").read_text(encoding="utf-8"))
    checker = schema.Checker(article_schema, (f"/$defs/locales/{lang}",))
    gate = schema._compiled(checker.validator().schema)
    assert gate is not None
    if schema._passes(gate, front):
        assert list(checker.validator().iter_errors(front)) == []


def test_the_compiled_schema_gate_lets_a_valid_article_through():
    article_schema = json.loads((resources.files("pipeline") / "data/article.schema.json").read_text(encoding="utf-8"))
    gate = schema._compiled(article_schema)
    assert schema._passes(gate, {"title": "שלום", "date": "2024-01-31", "tags": ["kindness"], "draft": False})
    assert not schema._passes(gate, {"title": "x", "date": "2024-02-30"})  # our date format, not a pattern
    remote = {"$ref": "https://example.org/schema.json"}  # never fetched: no gate, jsonschema decides
    assert schema._compiled(remote) is None


class _Catalog(gettext.NullTranslations):
    """Translations from a dict, with the markup, references and percent signs a translator may write."""

    STRINGS: ClassVar[dict[str, str]] = {
        "Feed": "<b>Feed</b> & &amp; 100%%",
        "Hi %(name)s": "<i>שלום</i> %(name)s",
        "nav\x04Home": "בית %(context)s",
        "Bad %(missing)s": "רע %(missing)s",
        "Twice %(a)s": "<i>פעמיים</i> %(a)s &amp; %(a)s 10%% %(b)s",
    }

    def gettext(self, message: str) -> str:
        return self.STRINGS.get(message, message)

    def pgettext(self, context: str, message: str) -> str:
        return self.STRINGS.get(f"{context}\x04{message}", message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        """Hebrew's three forms (one, two, other), with markup; an untranslated pair as English picks it."""
        forms = self.PLURALS.get(msgid1)
        if forms is None:
            return msgid1 if n == 1 else msgid2
        return forms[0] if n == 1 else forms[1] if n == 2 else forms[2]

    PLURALS: ClassVar[dict[str, tuple[str, str, str]]] = {
        "%(num)d a": ("<b>א</b> %(num)d", "שתי %(num)d & &amp;", "%(num)d אים 100%%"),
        "%(num)s of %(what)s": ("%(num)s של %(what)s", "%(num)s שני %(what)s", "%(num)s רבים %(what)s"),
    }


USES = [
    '{{ _("Feed") }}',
    "{{ gettext('Feed') }}",
    '{{ _("Hi %(name)s", name=who) }}',
    '{{ _("Hi %(name)s", name=_("Feed")) }}',
    '{{ _("Hi %(name)s", name=safe) }}',
    '{{ pgettext("nav", "Home") }}',
    '{{ pgettext("nav", "Home", context="<x>") }}',
    '{{ ngettext("%(num)d a", "%(num)d as", 2) }}',
    '{{ ngettext("%(num)d a", "%(num)d as", n) }}',
    '{% for k in counts %}{{ ngettext("%(num)d a", "%(num)d as", k) }};{% endfor %}',
    '{{ ngettext("%(num)d a", "%(num)d as", item.n) }}{{ ngettext("%(num)d a", "%(num)d as", counts[1]) }}',
    '{{ ngettext("%(num)s of %(what)s", "%(num)s of %(what)ss", n, what=who) }}',
    '{{ ngettext("%(num)d a", "%(num)d as", n, num=5) }}',
    '{{ ngettext("%(num)d b", "%(num)d bs", n) }}',
    '{{ ngettext("%(num)d a", "%(num)d as", counts | last) }}',
    '{% set c = cycler(1, 2, 7) %}{% for k in counts %}{{ ngettext("%(num)d a", "%(num)d as", c.next()) }}{% endfor %}',
    '{% autoescape false %}{{ ngettext("%(num)s of %(what)s", "%(num)s of %(what)ss", n, what=who) }}{% endautoescape %}',
    '{% set label = _("Feed") %}[{{ label }}]',
    '{{ _("Feed") | length }}',
    "{% trans %}Feed{% endtrans %}",
    "{% trans name=who %}Hi {{ name }}{% endtrans %}",
    '{% autoescape false %}{{ _("Feed") }}{{ _("Hi %(name)s", name=who) }}{% endautoescape %}',
    '{{ _("Untranslated 50%% <off>") }}',
    '{{ _("Twice %(a)s", a=who, b=safe) }}{{ _("Twice %(a)s", a=item.n, b=counts[2]) }}',
    '{{ _("Twice %(a)s", a=who | upper, b=1) }}{{ _("Hi %(name)s", name="<x>") }}{{ _("Twice %(a)s", a=who, b="&") }}',
    '{{ _("%(a)s, %(b)s%%", a=safe, b=who) }}{{ pgettext("nav", "Home", context=who) }}',
    '{% autoescape flag %}{{ _("Hi %(name)s", name=safe) }}{{ _("Twice %(a)s", a=who, b=safe) }}{% endautoescape %}',
    '{% autoescape false %}{{ _("Twice %(a)s", a=who, b=safe) }}{% endautoescape %}',
    "{{ _(who) }}",
    " text ",
    '{% call _("Hi %(name)s", name=_("Feed")) %}in{% endcall %}',
]
GETTEXT_USES = st.lists(st.sampled_from(USES), max_size=8).map("".join)


COUNTS = (1, 2, 7, 2, 1, 0, 999, 1000, 1001, -1, 2.0, True)  # ints kept by number, and what is not one (or not small)


def _rendered(source: str, fold: bool, n: object = 3) -> str:
    env = theme._Environment(loader=jinja2.DictLoader({"page": source}), autoescape=True, extensions=["jinja2.ext.i18n"])
    runtime.install(env, _Catalog())
    if fold:
        assert gettextfold.foldable(env, [("page", source)])
        env.folding = runtime.AsData(_Catalog())
    template = env.get_template("page")
    return "|".join(
        template.render(who="<Dana & co>", safe=Markup("<em>Dana</em>"), n=number, counts=COUNTS, item={"n": number}, flag=number == 2)
        for number in (n, *COUNTS, n)  # the same template rendered again and again, each number's form
    )


@SETTINGS
@given(GETTEXT_USES, st.sampled_from(COUNTS))
def test_interface_strings_translated_when_compiling_render_as_translated_when_rendering(source, n):
    assert _rendered(source, fold=True, n=n) == _rendered(source, fold=False, n=n)


@pytest.mark.parametrize("source", USES)
def test_each_use_of_an_interface_string_renders_folded_as_unfolded(source):
    assert _rendered(source, fold=True) == _rendered(source, fold=False)


def test_a_missing_format_key_fails_when_rendering_either_way():
    for fold in (True, False):
        with pytest.raises(KeyError):
            _rendered('{{ _("Bad %(missing)s") }}', fold)


def test_an_unused_value_that_fails_fails_either_way():
    for fold in (True, False):
        with pytest.raises(jinja2.UndefinedError):
            _rendered('{{ _("Hi %(name)s", name=who, extra=nowhere.here) }}', fold)


@pytest.mark.parametrize(
    "source",
    [
        '{% set _ = "x" %}',
        "{% for gettext in items %}{% endfor %}",
        "{% macro m(_) %}{% endmacro %}",
        "{% macro pgettext() %}{% endmacro %}",
        '{% import "x" as _ %}',
        '{% from "x" import ngettext %}',
        "{{ f(_=1) }}",
        "{{ _ }}",
        '{% with npgettext = 1 %}{{ _("a") }}{% endwith %}',
        "{% call(_) m() %}{% endcall %}",
        "{{ 'unterminated }}",  # does not tokenize: left to the compiler to report, and nothing is folded
    ],
)
def test_a_template_binding_a_gettext_name_anywhere_turns_folding_off(source):
    env = theme._Environment(extensions=["jinja2.ext.i18n"])
    assert not gettextfold.foldable(env, [("clean", '{{ _("a") }}{{ x._("b") }}'), ("bound", source)])
    assert gettextfold.foldable(env, [("clean", '{{ _("a") }}{{ x._("b") }}{{ _ ("c", n=gettext("d")) }}')])


def test_a_child_template_binding_underscore_changes_its_parents_calls(make_site):
    """Why one template binding a name stops the folding of all: a child's top-level `set` is seen by the base it extends."""
    root = make_site(
        {
            "content/en/a.md": article(),
            "templates/article.html": '{% extends "base.html" %}{% macro _(s) %}bound {{ s }}{% endmacro %}',
        }
    )
    page = build(root, datetime(2026, 1, 1, tzinfo=UTC)).files["en/a/index.html"].decode()
    assert 'title="bound Feed"' in page


@pytest.mark.parametrize(("body", "code", "stderr"), [("pass", 0, ""), ("sys.exit(3)", 3, ""), ("sys.exit('no site')", 1, "no site\n")])
def test_the_console_script_leaving_without_teardown_exits_as_python_would(tmp_path, body, code, stderr):
    """The exit code, every line written (to a pipe, so buffered), and the exit handlers: as at a normal exit."""
    script = (
        "import atexit, sys, click, pipeline.cli.main as m\n"
        "@click.command('talk')\n"
        "def talk():\n"
        "    atexit.register(lambda: sys.stderr.write('handler ran\\n'))\n"
        "    sys.stdout.write('line\\n' * 50000)\n"
        f"    {body}\n"
        "m.cli.add_command(talk)\n"
        "m.main()\n"
    )
    done = subprocess.run([sys.executable, "-c", script, "talk"], capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path)
    assert done.returncode == code
    assert done.stdout == "line\n" * 50000
    assert done.stderr == stderr + "handler ran\n"


FILE_TEXT = st.lists(st.sampled_from(["---", "\n", "\r\n", "\r", "title: x", " ", "שלום", "é", "\ufeff", "a"]), max_size=30).map("".join)


@SETTINGS
@given(texts=st.lists(FILE_TEXT, min_size=1, max_size=4), bom=st.lists(st.booleans(), min_size=4, max_size=4))
def test_a_file_read_by_discover_is_known_by_its_texts_digest(tmp_path_factory, texts, bom):
    root = tmp_path_factory.mktemp("site")
    (root / "site.yaml").write_text(
        "base_url: https://example.org/\nsource_locale: en\nlocales:\n  en: {name: English}\n", encoding="utf-8"
    )
    (root / "content/en/sub").mkdir(parents=True)
    for n, text in enumerate(texts):  # the digest comes from the bytes read when they are the text's own UTF-8
        folder = "content/en/sub" if n % 2 else "content/en"
        (root / folder / f"a{n}.md").write_bytes(b"\xef\xbb\xbf" * bom[n] + text.encode("utf-8"))
    files, _, digests, _ = sources.discover(load_config(root)[0])
    assert len(files) == len(texts)
    for file in files:
        assert digests[file.path] == sources.text_digest(file.text or "")
