"""Bidi isolation over parsed text: runs of the other direction in HTML (<span dir lang>) and in plain text (Unicode isolates).

Text is decoded first (character references), decided on (`bidiruns`), then escaped once, so an isolate never cuts
an entity or a tag. A block's inline content is decided on as one text, so a run may span inline markup
(`<strong>Visual</strong> Studio Code`); a run whose markup would not nest is split at the tags instead.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from functools import lru_cache

from pipeline.render.bidiruns import HEBREW, OBJECT, Run, decide, opposite

_TAG = re.compile(r"(<[^>]+>)")
_RTL_LETTER = re.compile(f"[{HEBREW}]")
_TAG_NAME = re.compile(r"^</?([a-zA-Z0-9]+)")
_DIR_ATTR = re.compile(r'\sdir="(ltr|rtl|auto)"')
_ALT_ATTR = re.compile(r'(\salt=")([^"]*)(")')
_VOID = frozenset({"br", "img", "hr", "input", "meta", "link", "source", "wbr"})
_LTR_ALWAYS = frozenset({"code", "pre", "kbd", "samp"})
_RAW_TEXT = frozenset({"script", "style", "textarea", "title"})
_INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "ins", "kbd", "mark", "q", "s", "samp"}
    | {"small", "span", "strong", "sub", "sup", "time", "u", "var", "br", "img", "wbr"}
)
ISOLATE = {"ltr": ("\u2066", "\u2069"), "rtl": ("\u2067", "\u2069")}  # LRI/RLI ... PDI
_TRIED = 3  # the places tried on each side of a run's ends, where tags meet it (bounds the work per run)
OTHER_LANG = {"rtl": "en", "ltr": "he"}  # what a run of the other direction is written in, unless the site says


def escape(text: str) -> str:
    """Text as HTML text: &, < and > as references (quotes need none outside attributes)."""
    return html.escape(text, quote=False) if "&" in text or "<" in text or ">" in text else text


# A title or summary is isolated for its page, its <title>, its JSON-LD, the API and the feeds, the site title for every
# page: each text is decided on once (the result depends on the arguments only; most texts come back as they are).
_SEEN = 16384


@lru_cache(maxsize=_SEEN, typed=True)  # typed: a Markup never stands in for a str
def isolate_text(text: str, direction: str) -> str:
    """Plain text for a `direction` context (a <title>, an attribute, JSON, a feed) with other-direction runs isolated."""
    runs, cuts = decide(text, direction)
    marks: dict[int, list[str]] = {}
    for run in runs:
        start, end = ISOLATE[run.direction]
        marks.setdefault(run.start, []).append(start)
        marks.setdefault(run.end, []).insert(0, end)
    return _marked(text, marks, cuts, str) if runs else text


@lru_cache(maxsize=_SEEN, typed=True)  # typed: a Markup never stands in for a str
def isolate_plain(text: str, direction: str, other_lang: str | None = None) -> str:
    """Plain text (a title, a summary, an author) as HTML for a `direction` page: escaped once, runs in <span dir lang>."""
    runs, cuts = decide(text, direction)  # quotes escaped too: a site template may put the field in an attribute
    return _marked(text, _text_marks(runs, other_lang or OTHER_LANG[direction]), cuts, html.escape) if runs else html.escape(text)


def _text_marks(runs: list[Run], other_lang: str) -> dict[int, list[str]]:
    marks: dict[int, list[str]] = {}
    for run in runs:
        marks.setdefault(run.start, []).append(_open(run, other_lang))
        marks.setdefault(run.end, []).insert(0, "</span>")
    return marks


def _marked(text: str, marks: dict[int, list[str]], cuts: list[tuple[int, int]], write: Callable[[str], str]) -> str:
    """`text` written with `write`, the markup of `marks` inserted at their offsets and the `cuts` left out."""
    bounds = sorted({0, len(text), *marks, *(c for cut in cuts for c in cut)})
    dropped = {start for start, _ in cuts}
    out: list[str] = []
    for start, end in zip(bounds, [*bounds[1:], len(text)], strict=True):
        out += marks.get(start, ())
        if start not in dropped and start < end:
            out.append(write(text[start:end]))
    return "".join(out)


def isolate_html(markup: str, direction: str, other_lang: str | None = None) -> str:
    """HTML for a `direction` page: code left-to-right, other-direction runs in the text wrapped in <span dir lang>."""
    if "<" not in markup:  # text without tags: one inline piece
        return (
            isolate_plain(html.unescape(markup), direction, other_lang) if "&" in markup else isolate_plain(markup, direction, other_lang)
        )
    if direction == "ltr" and 'dir="rtl"' not in markup and (markup.isascii() or _RTL_LETTER.search(markup) is None):
        return markup  # nothing turns right-to-left and there is no right-to-left text to isolate
    return _Walk(direction, other_lang).run(markup)


def other_lang(directions: dict[str, str], direction: str) -> str:
    """The language runs of the other direction are in: the site's first locale written that way (`directions`: code -> dir)."""
    return next((code for code, d in directions.items() if d != direction), OTHER_LANG[direction])


def _open(run: Run, other_lang: str) -> str:
    return f'<span dir="{run.direction}" lang="{other_lang}">' if run.foreign else f'<span dir="{run.direction}">'


@lru_cache(maxsize=4096)
def _tag(tag: str) -> tuple[str, str, str | None]:
    """What a tag is: ("open", "close" or "other", its lowercase name, its dir attribute if any)."""
    name_match = _TAG_NAME.match(tag)
    if not name_match or tag.startswith("<!"):
        return "other", "", None
    name = name_match.group(1).lower()
    if tag.startswith("</"):
        return "close", name, None
    if name in _VOID or tag.endswith("/>"):
        return "other", name, None
    explicit = _DIR_ATTR.search(tag)
    return "open", name, explicit.group(1) if explicit else None


class _Walk:
    """One pass over a document's tags: a stack of directions, and the inline text between block tags gathered up."""

    def __init__(self, direction: str, other_lang: str | None) -> None:
        self.base = direction
        self.other_lang = other_lang
        self.out: list[str] = []
        self.stack: list[tuple[str, str]] = []  # (tag name, direction inside it)
        self.inline: list[tuple[str, str]] = []  # ("text", as written) | ("open"/"close"/"other", tag) | ("object", markup)
        self.verbatim: list[str] = []  # the verbatim element being gathered (code, pre): its markup so far
        self.verbatim_name = ""
        self.verbatim_depth = 0

    @property
    def current(self) -> str:
        return self.stack[-1][1] if self.stack else self.base

    def run(self, markup: str) -> str:
        for index, piece in enumerate(_TAG.split(markup)):
            if piece:
                self._piece(piece, index % 2 == 1)  # the split keeps each tag at an odd index
        self._flush()
        if self.verbatim_depth:  # never closed: kept as written, after the text before it
            self.out.append("".join(self.verbatim))
        return "".join(self.out)

    def _piece(self, piece: str, is_tag: bool) -> None:
        if self.verbatim_depth:
            self._verbatim(piece, is_tag)
            return
        if not is_tag:
            self.inline.append(("text", piece))
            return
        kind, name, explicit = _tag(piece)
        if kind == "open" and (name in _LTR_ALWAYS or name in _RAW_TEXT):
            if name in _LTR_ALWAYS and not explicit and self.current == "rtl":
                piece = piece[:-1] + ' dir="ltr">'
            if name not in _INLINE:
                self._flush()
            self.verbatim, self.verbatim_name, self.verbatim_depth = [piece], name, 1
            return
        if name and name not in _INLINE or (kind == "open" and explicit):
            self._flush()  # a block boundary, or markup that sets its own direction: the text before it is decided on
            self._stack(kind, name, explicit)
            self.out.append(piece)
            return
        if name == "img" and ' alt="' in piece:
            piece = _ALT_ATTR.sub(
                lambda m: m.group(1) + html.escape(isolate_text(html.unescape(m.group(2)), self.current)) + m.group(3), piece
            )
        self._stack(kind, name, explicit)
        self.inline.append(("other" if name in _VOID or kind == "other" else kind, piece))

    def _stack(self, kind: str, name: str, explicit: str | None) -> None:
        if kind == "close":
            while self.stack and self.stack.pop()[0] != name:
                pass
        elif kind == "open":
            self.stack.append((name, explicit if explicit and explicit != "auto" else self.current))

    def _verbatim(self, piece: str, is_tag: bool) -> None:
        self.verbatim.append(piece)
        if is_tag:
            kind, name, _ = _tag(piece)
            if name == self.verbatim_name:
                self.verbatim_depth += 1 if kind == "open" else -1 if kind == "close" else 0
        if not self.verbatim_depth:
            self._verbatim_done()

    def _verbatim_done(self) -> None:
        markup = "".join(self.verbatim)
        if self.verbatim_name in _INLINE:
            self.inline.append(("object", markup))
        else:
            self.out.append(markup)

    def _flush(self) -> None:
        """Decide on the gathered inline text as one, and write it out with its isolates."""
        if not self.inline:
            return
        raw, self.inline = self.inline, []
        if len(raw) == 1 and raw[0][0] == "text" and raw[0][1].isspace():  # the line break between two blocks
            self.out.append(raw[0][1])
            return
        items = [(kind, _decoded(value)) if kind == "text" else (kind, value) for kind, value in raw]
        text = "".join(value if kind == "text" else OBJECT if kind == "object" else "" for kind, value in items)
        runs, cuts = decide(text, self.current) if text.strip() else ([], [])
        if not runs:  # nothing to isolate: the markup as it came
            self.out.append("".join(value for _, value in raw))
            return
        other_lang = self.other_lang or OTHER_LANG[self.current]
        if len(items) == 1:  # text alone, the usual paragraph: no markup to nest the runs in
            self.out.append(_marked(text, _text_marks(runs, other_lang), cuts, escape))
            return
        self.out.append(_place(items, runs, cuts, other_lang))


def _decoded(text: str) -> str:
    return html.unescape(text) if "&" in text else text


def _place(items: list[tuple[str, str]], runs: list[Run], cuts: list[tuple[int, int]], other_lang: str) -> str:
    """The inline items as HTML with each run wrapped, where its markup nests; split at the tags where it would not."""
    gaps, depth, offset = [], 0, 0  # per gap before each item (and after the last): (text offset, nesting depth)
    for kind, value in items:
        gaps.append((offset, depth))
        depth += 1 if kind == "open" else -1 if kind == "close" else 0
        offset += len(value) if kind == "text" else 1 if kind == "object" else 0
    gaps.append((offset, depth))
    offsets = [o for o, _ in gaps]
    marks: dict[int, dict[int, list[str]]] = {}  # item -> character in it (-1: before it) -> markup to insert there
    for run in runs:
        opening = _open(run, other_lang)
        chosen = _nesting(items, gaps, offsets, run)
        for (start_item, start), (end_item, end) in [chosen] if chosen else _pieces(items, gaps, offsets, run):
            marks.setdefault(start_item, {}).setdefault(start, []).append(opening)
            marks.setdefault(end_item, {}).setdefault(end, []).insert(0, "</span>")
    dropped: dict[int, list[tuple[int, int]]] = {}  # text item -> the characters of it left out
    for cut in cuts:
        for index, start, end in _inside(items, gaps, offsets, cut):
            dropped.setdefault(index, []).append((start, end))
    out: list[str] = []
    for index, (kind, value) in enumerate(items):
        here = marks.get(index, {})
        out += here.get(-1, ())
        if kind != "text":
            out.append(value)
            continue
        inside = {k: markup for k, markup in here.items() if k >= 0}
        local = dropped.get(index, [])
        out.append(_marked(value, inside, local, escape) if inside or local else escape(value))
    out += marks.get(len(items), {}).get(-1, ())
    return "".join(out)


def _inside(
    items: list[tuple[str, str]], gaps: list[tuple[int, int]], offsets: list[int], cut: tuple[int, int]
) -> list[tuple[int, int, int]]:
    """The parts (text item, start, end) of the text offsets `cut`."""
    found = []
    for index in range(max(bisect_right(offsets, cut[0]) - 1, 0), min(bisect_right(offsets, cut[1]), len(items))):
        kind, value = items[index]
        offset = gaps[index][0]
        if kind == "text" and offset < cut[1] and cut[0] < offset + len(value):
            found.append((index, max(cut[0] - offset, 0), min(cut[1] - offset, len(value))))
    return found


def _positions(
    items: list[tuple[str, str]], gaps: list[tuple[int, int]], offsets: list[int], offset: int
) -> list[tuple[float, tuple[int, int], int]]:
    """Where text offset `offset` can be marked: (order, insertion key, depth) inside a text item, or at each gap there."""
    first, last = bisect_left(offsets, offset), bisect_right(offsets, offset)
    if first < last:  # tags there: a few of them on either side are tried (deeper nesting is split instead)
        return [(float(index), (index, -1), gaps[index][1]) for index in range(first, last)][:_TRIED] + (
            [(float(index), (index, -1), gaps[index][1]) for index in range(max(first + _TRIED, last - _TRIED), last)]
        )
    index = first - 1  # the item that starts before `offset` and ends after it: a text
    return [(index + 0.5, (index, offset - offsets[index]), gaps[index][1])] if index >= 0 and items[index][0] == "text" else []


def _nesting(
    items: list[tuple[str, str]], gaps: list[tuple[int, int]], offsets: list[int], run: Run
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The widest pair of places around `run` between which the markup nests, if any."""
    for start_order, start, depth in _positions(items, gaps, offsets, run.start):
        for end_order, end, end_depth in reversed(_positions(items, gaps, offsets, run.end)):
            between = [d for _, d in gaps[int(start_order) + 1 : int(end_order + 0.5)]]
            if end_order > start_order and end_depth == depth and min(between, default=depth) >= depth:
                return start, end
    return None


def _pieces(
    items: list[tuple[str, str]], gaps: list[tuple[int, int]], offsets: list[int], run: Run
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """A run that cannot nest, as its parts inside each text item (blank ends left out)."""
    found = []
    for index in range(max(bisect_right(offsets, run.start) - 1, 0), min(bisect_right(offsets, run.end), len(items))):
        kind, value = items[index]
        offset = gaps[index][0]
        if kind != "text" or offset >= run.end or offset + len(value) <= run.start:
            continue
        start, stop = max(run.start - offset, 0), min(run.end - offset, len(value))
        while start < stop and value[start].isspace():
            start += 1
        while stop > start and value[stop - 1].isspace():
            stop -= 1
        if start < stop:
            found.append(((index, start), (index, stop)))
    return found


__all__ = ["ISOLATE", "escape", "isolate_html", "isolate_plain", "isolate_text", "opposite", "other_lang"]
