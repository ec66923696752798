"""What a build holds in memory: Markdown rendering frees what it allocates, the outputs let the validation go, and each
worker makes neighbouring outputs (it copies every page of the command's memory it touches)."""

from __future__ import annotations

import gc
import sys
import time
import types
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from conftest import article, built_tree, cold_build, hebrew

from pipeline import workers
from pipeline.build import describe, incremental, write
from pipeline.content import cmark
from pipeline.content.articles import Article, Parsed
from pipeline.content.markdown import Heading, Ref
from pipeline.content.perfile import Studied
from pipeline.content.sources import SourceFile
from pipeline.render import feeds
from pipeline.validate import Validation

SAFE = Options.CMARK_OPT_SOURCEPOS | Options.CMARK_OPT_FOOTNOTES
EXTENSIONS = ["table", "strikethrough", "autolink", "tasklist"]
MARKDOWN = """\
# Title

Text with **bold**, `code`, ~~struck~~, a footnote[^1], https://example.org and <b>raw</b> HTML.

| a | b |
| :- | -: |
| 1 | 2 |

- [x] done
- [ ] to do

```python
print("hi")
```

[^1]: The note.
"""


@pytest.mark.parametrize(
    ("options", "extensions"), [(SAFE, EXTENSIONS), (SAFE | Options.CMARK_OPT_UNSAFE, [*EXTENSIONS, "tagfilter"]), (0, [])]
)
def test_html_is_cmarkgfms_own(options, extensions):
    for text in (MARKDOWN, "", "עברית *נטויה*\n", MARKDOWN * 3):
        assert cmark.to_html(text, options, extensions) == cmarkgfm.markdown_to_html_with_extensions(
            text, options=options, extensions=extensions
        )


def test_an_unknown_extension_is_refused():
    with pytest.raises(ValueError, match="unknown cmark-gfm extension"):
        cmark.to_html("x", 0, ["no-such-extension"])


def _resident_kb() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_rendering_frees_the_document_and_its_html():
    assert cmark._RELEASE is not None  # cmarkgfm's library exports cmark's own freeing functions
    text = MARKDOWN * 400  # ~140 kB: cmarkgfm's own wrapper keeps ~4 MB a call of it
    cmark.to_html(text, SAFE, EXTENSIONS)
    before = _resident_kb()
    for _ in range(30):
        cmark.to_html(text, SAFE, EXTENSIONS)
    assert _resident_kb() - before < 20_000


def test_each_worker_takes_its_own_stretch_first_then_the_end_of_the_fullest():
    import multiprocessing

    stretches = workers._stretches(multiprocessing.get_context("fork"), 10, 2, (0, 6))
    first = [workers._next_item(0, stretches) for _ in range(6)]
    assert first == [0, 1, 2, 3, 4, 5]  # its own stretch, in order
    assert workers._next_item(1, stretches) == 6
    assert [workers._next_item(0, stretches) for _ in range(2)] == [9, 8]  # then the other's, from its end
    assert [workers._next_item(1, stretches) for _ in range(1)] == [7]
    assert workers._next_item(0, stretches) == workers._next_item(1, stretches) == -1  # every item is taken


@pytest.mark.parametrize("failing", [3, 197])  # in the worker's stretch, in the command's
def test_a_failing_item_fails_the_run_whichever_process_makes_it(failing):
    with pytest.raises(ValueError, match=f"item {failing}"):
        workers.run(partial(_fail_at, failing), list(range(200)), 2, (0, 100))


def _fail_at(failing: int, n: int) -> int:
    time.sleep(0.001)  # long enough for the worker to start and take its stretch
    if n == failing:
        raise ValueError(f"item {n}")
    return n


@pytest.mark.parametrize(("jobs", "starts"), [(2, ()), (3, (0, 10, 150)), (2, (0, 199)), (4, (0, 5))])
def test_results_are_in_the_items_order_whoever_made_them(jobs, starts):
    items = list(range(200))
    assert workers.run(_square, items, jobs, starts) == [n * n for n in items]


def _square(n: int) -> int:
    return n * n


@dataclass(frozen=True)
class _Output:
    path: str


def test_a_locales_outputs_are_made_together_its_search_index_first_and_workers_start_where_a_locale_does():
    paths = ["en/a/index.html", "api/en/articles/a.json", "en/search-index.json", "he/a/index.html", "api/he/articles/a.json"]
    paths += ["he/search-index.json", "index.html", "assets/site.css"]
    outputs = [_Output(path) for path in paths]
    order = write._order(outputs)
    assert [paths[n] for n in order] == [
        "en/search-index.json",
        "en/a/index.html",
        "api/en/articles/a.json",
        "he/search-index.json",
        "he/a/index.html",
        "api/he/articles/a.json",
        "index.html",
        "assets/site.css",
    ]
    assert write._starts(outputs, order, 2) == [0, 3]
    assert write._starts(outputs, order, 1) == []


def _reachable(start: object) -> set[type]:
    """The types of every object reachable from `start`."""
    return {type(item) for item in _objects(start)}


def _objects(start: object) -> list[object]:
    """Every object reachable from `start`."""
    seen: dict[int, object] = {}
    stack = [start]
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, (type, types.ModuleType)):
            continue
        seen[id(item)] = item
        stack += gc.get_referents(item)
    return list(seen.values())


def test_a_builds_outputs_hold_no_reference_to_the_validation(make_site):
    files = {f"content/en/a{n}.md": article(f"T {n}", body=f"Text {n}.\n\n## Part\n\nMore.\n") for n in range(3)}
    files |= {f"content/he/a{n}.md": hebrew(f"כ {n}", body=f"טקסט {n}.\n\n## חלק\n\nעוד.\n") for n in range(3)}
    root = make_site(files)
    made = describe.describe(root, store=root)  # as `pipeline build` does, with the build cache
    found = _reachable(made.outputs)
    assert Article in found and SourceFile in found  # what the pages show: an article's body is a slice of its file's text
    assert not found & {Validation, Studied, Parsed}  # let go once described: the parses and checks
    # What a page keeps to make its body again (should the cache lose it) is the body unmade: not the links and headings
    # every body's checks made, which each worker would copy.
    assert not found & {Ref, Heading}


def test_a_build_lets_every_source_text_go_before_it_makes_its_outputs(make_site, tmp_path):
    """What the outputs are made of needs no article's text (the search words are counted as the bodies are prepared): a
    build lets the texts go before it makes them, as a forked worker would copy what it touched of them, and the files it
    writes are a cold build's."""
    files = {f"content/en/a{n}.md": article(f"T {n}", body=f"Plain words {n}.\n\n## Part\n\nMore text {n}.\n") for n in range(3)}
    files |= {f"content/he/a{n}.md": hebrew(f"כ {n}", body=f"מילים {n}.\n\n## חלק\n\nעוד טקסט {n}.\n") for n in range(3)}
    root, out = make_site(files), tmp_path / "out"
    time.sleep(1.1)  # older than discover's racy second (a file saved within it is read again by the next build anyway)
    moment = datetime(2026, 11, 26, 12, tzinfo=UTC)
    outcome = incremental.build_into(root, out, moment, False, 1, ())
    held = [item for item in _objects(outcome.kept) if isinstance(item, str)]
    assert not any("More text 1." in text for text in held)  # no article's Markdown is held
    assert any(text == "T 1" for text in held)  # while what the pages show is
    assert built_tree(out) == cold_build(root, tmp_path, "--now", moment.isoformat())


@pytest.mark.parametrize("value", ["https://example.org/a&b/<c>/", 'say "hi"\r\n\tתודה', "\x01bad\ufffe\ud800 ok", "plain"])
def test_the_sitemap_escapes_what_elementtree_escapes(value):
    clean = feeds._NOT_XML.sub("", value)  # what XML cannot hold is dropped first, as for the feeds
    element = ET.Element("x", {"a": clean})
    element.text = clean
    assert f'<x a="{feeds._xml_attribute(value)}">{feeds._xml_text(value)}</x>' == ET.tostring(element, encoding="unicode")


def test_articles_share_one_object_per_tag_locale_and_front_matter_key(make_site):
    from pipeline.validate import validate

    files = {f"content/en/a{n}.md": article(f"T {n}", tags="[gratitude, kindness]") for n in range(3)}
    files |= {f"content/he/a{n}.md": hebrew(f"כ {n}", tags="[gratitude, kindness]") for n in range(3)}
    result = validate(make_site(files))
    assert not result.errors and len(result.articles) == 6
    # A forked worker reading every article's tags (the sitemap, tag pages) touches, and copies, one string per tag, not one per article.
    assert len({id(tag) for a in result.articles for tag in a.tags if tag == "kindness"}) == 1
    assert len({id(key) for a in result.articles for key in a.fields if key == "title"}) == 1
    assert len({id(a.lang) for a in result.articles}) == 2
