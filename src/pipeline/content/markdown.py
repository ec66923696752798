"""GitHub Flavored Markdown (cmark-gfm, in C) to HTML, and the links, images, raw HTML, headings and ids with their lines."""

from __future__ import annotations

import bisect
import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from cmarkgfm.cmark import Options

from pipeline.content.cmark import to_html

_SAFE = Options.CMARK_OPT_SOURCEPOS | Options.CMARK_OPT_FOOTNOTES
# GFM: tables, ~~strikethrough~~, bare URLs, task lists (tagfilter only matters where raw HTML passes through).
_EXTENSIONS = ["table", "strikethrough", "autolink", "tasklist"]
_TRUSTED_EXTENSIONS = [*_EXTENSIONS, "tagfilter"]
_BLOCK = r'(?:p|h[1-6]|li|blockquote|pre|ul|ol|hr)\b[^>]* data-sourcepos="(\d+):\d+-(\d+):\d+"'
# One leading "<" for every alternative, so the regex engine skips ahead to each tag instead of trying them all everywhere.
_OUTPUT = re.compile("<(?:" + _BLOCK + r'|a href="([^"]*)"' + r'|img src="([^"]*)" alt="([^"]*)"' + r"|(!-- raw HTML omitted -->))")
_HEADING = re.compile(r'<h([1-6]) data-sourcepos="(\d+):[^"]*">(.*?)</h\1>', re.DOTALL)  # setext headings span lines
# Where link destinations, images and raw HTML start in the Markdown source.
_SOURCE_LINK = re.compile(
    r"\]\(\s*(<[^>\n]*>|[^\s)]*)|^ {0,3}\[[^\]\n]+\]:\s*(<[^>\n]*>|\S+)|<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>", re.MULTILINE
)
_SOURCE_IMAGE = re.compile(r"!\[")
_SOURCE_HTML = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9-]*)(?=[\s/>])|<!--|<\?|<![A-Z]")
# Every match of each source pattern contains one of these, so lines without any are not searched.
_NEEDLES = {_SOURCE_LINK: ("]", "<"), _SOURCE_IMAGE: ("![",), _SOURCE_HTML: ("<",)}
_TAGS = re.compile(r"<[^>]+>")
_SLUG_DROP = re.compile(r"[^\w\- ]")
_EXPLICIT_ID = re.compile(r"\s*\{#([^\W_][\w-]*)\}\s*$")  # `## Heading {#id}`: an id the author chose, shared by translations
# Ids the page around a body already has (the theme's <main id="content">, its search box): a heading never takes them.
PAGE_IDS = frozenset({"content", "site-search-query"})
_NOTE_ID = re.compile(r'<(?:li|a) (?:href="[^"]*" )?id="(fn(?:ref)?-[^"]*)"')  # footnotes and their references
_PRE_OPEN = re.compile(r"<pre(?= data-sourcepos)")
_ALIGN = re.compile(r'<(t[hd]) align="(left|center|right)"')
_ALIGNED = {"left": "align-start", "center": "align-center", "right": "align-end"}  # so a table mirrors in right-to-left pages
_TASK = re.compile(r'<input type="checkbox" (checked="" )?disabled="" />')
_HTML_BLOCK_ENDS = (
    ("<script", "</script>"),
    ("<pre", "</pre>"),
    ("<style", "</style>"),
    ("<textarea", "</textarea>"),
    ("<!--", "-->"),
    ("<?", "?>"),
)
_PRE = re.compile(r'<pre data-sourcepos="(\d+):\d+-(\d+):')
_HEADING_OPEN = re.compile(r'<h([1-6]) data-sourcepos="[^"]*">')
_SOURCEPOS = re.compile(r' data-sourcepos="[^"]*"')
_BACKTICKS = re.compile(r"`+")
Plain = tuple[tuple[Any, ...], ...]  # records of a class's fields, in its order
Recalled = tuple[Plain, Plain, tuple[int, ...], tuple[str, ...]]  # a recalled body's refs, headings, code blocks and ids


@dataclass(frozen=True, slots=True)
class Ref:
    """A link, image or raw HTML in the body, at a 1-based line and column of the file."""

    kind: str  # "link", "image" or "html"
    target: str  # the destination as written (links, images) or the tag (html)
    alt: str  # images only
    line: int
    column: int
    text: str = ""  # html only: the raw source (the tag, or the whole HTML block), shown escaped


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str
    line: int
    anchor: str  # the id of the heading in the page, unique within it
    explicit: bool = False  # the author gave it (`{#id}`): a translation keeps its own explicit ids


class Body:
    """What validation and rendering need to know of a Markdown body; read-only.

    A body recalled from its plain record (`recalled`) makes its Ref and Heading objects, and reads its code blocks and
    ids, the first time one of them is read: a build after one edit reads those of few of the unchanged files.
    """

    __slots__ = ("_code_blocks", "_fragments", "_headings", "_html", "_ids", "_plain", "_recall", "_refs")
    _refs: tuple[Ref, ...]
    _headings: tuple[Heading, ...]
    _code_blocks: tuple[int, ...]
    _ids: tuple[str, ...]
    _fragments: bool | None  # whether a link names a #fragment, as a recalled body's record says (None: from the refs)
    _plain: Callable[[], Recalled] | None  # what gives a recalled body's parts, until they are made
    _recall: Callable[[], Recalled] | None  # what gives a recalled body's parts, for good (unmade)
    _html: str | None

    def __init__(
        self,
        refs: tuple[Ref, ...],
        headings: tuple[Heading, ...],
        code_blocks: tuple[int, ...],
        html: str | None,
        ids: tuple[str, ...] = (),
    ) -> None:
        self._refs, self._headings, self._code_blocks, self._ids, self._html = refs, headings, code_blocks, ids, html
        self._fragments, self._plain, self._recall = None, None, None

    @property
    def html(self) -> str | None:
        """The body as HTML: raw HTML escaped, headings with ids, unsafe URLs emptied (None: not kept, see serialize.py)."""
        return self._html

    @classmethod
    def recalled(cls, parts: Callable[[], Recalled], html: str | None, fragments: bool) -> Body:
        """The body whose refs and headings (as plain tuples of their fields, in the order the classes have them), code
        blocks and ids `parts` gives when asked; `fragments`: whether one of its links names a #fragment."""
        body = cls((), (), (), html)
        body._plain = body._recall = parts
        body._fragments = fragments
        return body

    def without_html(self) -> Body:
        """The same body without its HTML (its other parts shared, made or not): itself when it keeps none (one recalled
        from the build cache), as a build prepares most bodies from the cache's store."""
        if self._html is None:
            return self
        body = Body(self._refs, self._headings, self._code_blocks, None, self._ids)
        body._plain, body._recall = self._plain, self._recall
        body._fragments = self._fragments
        return body

    def unmade(self) -> Body:
        """`without_html`, holding nothing made of it: a recalled body is recalled anew (its parts unpacked again if one is
        read). What a build keeps to make a page's body again (should the cache's copy be lost) then holds a record's packed
        bytes, not the Ref and Heading objects the checks made of every body."""
        return self.without_html() if self._recall is None else Body.recalled(self._recall, None, self.links_to_fragment())

    @property
    def refs(self) -> tuple[Ref, ...]:
        """Every link, image and raw HTML, in the order of the body."""
        self._make()
        return self._refs

    @property
    def headings(self) -> tuple[Heading, ...]:
        self._make()
        return self._headings

    @property
    def code_blocks(self) -> tuple[int, ...]:
        """The file line each code block starts on."""
        self._make()
        return self._code_blocks

    @property
    def ids(self) -> tuple[str, ...]:
        """The ids other than headings' a link may point at: footnotes and their references."""
        self._make()
        return self._ids

    def links_to_fragment(self) -> bool:
        """Whether a link of the body names a #fragment (a recalled body's record says, without making its refs)."""
        if self._fragments is not None:
            return self._fragments
        return any(ref.kind == "link" and "#" in ref.target for ref in self._refs)

    def _make(self) -> None:
        if self._plain is not None:
            refs, headings, code_blocks, ids = self._plain()
            self._refs = tuple(Ref(*ref) for ref in refs)
            self._headings = tuple(Heading(*heading) for heading in headings)
            self._code_blocks = tuple(code_blocks)
            self._ids = tuple(ids)
            self._plain = None

    def _fields(self) -> tuple[object, ...]:
        return (self.refs, self.headings, self.code_blocks, self.html, self.ids)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Body) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        refs, headings, code_blocks, html, ids = self._fields()
        return f"Body(refs={refs!r}, headings={headings!r}, code_blocks={code_blocks!r}, html={html!r}, ids={ids!r})"


def slug(text: str) -> str:
    """A heading's anchor: lowercase, punctuation dropped, spaces as hyphens (Hebrew letters kept)."""
    cleaned = _SLUG_DROP.sub("", unicodedata.normalize("NFC", text).lower()).strip()
    return re.sub(r"[\s-]+", "-", cleaned) or "section"


def scan(markdown: str, first_line: int = 1) -> Body:
    """Parse `markdown` (which starts at line `first_line` of its file), locate what it links to, and render it."""
    output = to_html(markdown, _SAFE, _EXTENSIONS)
    source = markdown.split("\n")
    locator = _Locator(_mask_code(source, output), source, first_line)
    refs: list[Ref] = []
    escaped: list[tuple[int, int, str]] = []  # where raw HTML was omitted, and what to show instead
    opened: re.Match[str] | None = None  # the last block cmark opened
    for match in _OUTPUT.finditer(output):
        if match.group(1):
            opened = match
        elif match.group(3) is not None:
            refs.append(locator.link(html.unescape(match.group(3)), _block(opened)))
        elif match.group(4) is not None:
            refs.append(locator.image(html.unescape(match.group(4)), html.unescape(match.group(5)), _block(opened)))
        elif match.group(6):
            own_line = output[match.start() - 1 : match.start()] in ("", "\n") and output[match.end() : match.end() + 1] == "\n"
            ref = locator.html_block() if own_line else locator.raw_html(_block(opened))
            refs.append(ref)
            shown = f"<p>{html.escape(ref.text, quote=False)}</p>" if own_line else html.escape(ref.text, quote=False)
            escaped.append((match.start(), match.end(), shown))
    headings = _headings(output, first_line)
    code_blocks = tuple(int(start) + first_line - 1 for start, _ in _PRE.findall(output))
    notes = tuple(dict.fromkeys(_NOTE_ID.findall(output)))
    return Body(tuple(refs), headings, code_blocks, _finish(_splice(output, escaped), headings), notes)


def _block(opened: re.Match[str] | None) -> tuple[int, int]:
    """The first and last source line of the block an output match opened; (1, 1) before any."""
    if opened is None:
        return (1, 1)
    return (int(opened.group(1)), max(int(opened.group(2)), int(opened.group(1))))


def render_trusted(markdown: str) -> str:
    """The body as HTML with raw HTML passed through, for sites that allow it (validation vetted it)."""
    output = to_html(markdown, _SAFE | Options.CMARK_OPT_UNSAFE, _TRUSTED_EXTENSIONS)
    return _finish(output, _headings(output, 1))


def _headings(output: str, first_line: int) -> tuple[Heading, ...]:
    found: list[Heading] = []
    seen: dict[str, int] = dict.fromkeys(PAGE_IDS, 1)
    for level, line, inner in _HEADING.findall(output):
        text = " ".join(html.unescape(_TAGS.sub("", inner)).split())
        explicit = _EXPLICIT_ID.search(text)
        if explicit:
            text = text[: explicit.start()]
        anchor = explicit.group(1) if explicit else slug(text)
        seen[anchor] = seen.get(anchor, 0) + 1
        unique = anchor if seen[anchor] == 1 else f"{anchor}-{seen[anchor]}"
        found.append(Heading(int(level), text, int(line) + first_line - 1, unique, explicit is not None))
    return tuple(found)


def reanchor(markup: str, headings: tuple[Heading, ...], anchors: tuple[str, ...]) -> str:
    """Body HTML whose headings (`headings`, as `scan` gave their ids) get the ids `anchors` instead, in order."""
    parts, last = [], 0
    for heading, anchor in zip(headings, anchors):
        opening = f'<h{heading.level} id="{html.escape(heading.anchor)}">'
        at = markup.find(opening, last)
        if at < 0:
            break
        parts += [markup[last:at], f'<h{heading.level} id="{html.escape(anchor)}">']
        last = at + len(opening)
    return "".join(parts) + markup[last:]


def _splice(output: str, replacements: list[tuple[int, int, str]]) -> str:
    parts, last = [], 0
    for start, end, text in replacements:
        parts += [output[last:start], text]
        last = end
    return "".join(parts) + output[last:]


def _finish(output: str, headings: tuple[Heading, ...]) -> str:
    """Give headings their ids (without the `{#id}` written for them), make code blocks left-to-right and reachable by
    keyboard when they scroll, label task list boxes, and drop the source positions."""
    if any(h.explicit for h in headings):
        output = _without_explicit_ids(output)
    anchors = iter(headings)
    with_ids = _HEADING_OPEN.sub(lambda m: f'<h{m.group(1)} id="{html.escape(next(anchors).anchor)}">', output)
    if "<pre" in with_ids:
        with_ids = _PRE_OPEN.sub('<pre dir="ltr" tabindex="0"', with_ids)
    if ' align="' in with_ids:
        with_ids = _ALIGN.sub(lambda m: f'<{m.group(1)} class="{_ALIGNED[m.group(2)]}"', with_ids)
    if "<input" in with_ids:
        with_ids = _TASK.sub(_task_box, with_ids)
    return _SOURCEPOS.sub("", with_ids)


def _without_explicit_ids(output: str) -> str:
    def strip(match: re.Match[str]) -> str:
        inner = _EXPLICIT_ID.sub("", match.group(3))
        return f'<h{match.group(1)} data-sourcepos="{match.group(2)}">{inner}</h{match.group(1)}>'

    return re.sub(r'<h([1-6]) data-sourcepos="([^"]*)">(.*?)</h\1>', strip, output, flags=re.DOTALL)


def _task_box(match: re.Match[str]) -> str:
    """A task list item's box, as a ballot-box character: it cannot be changed, so it is no form control, and screen readers
    say it ("ballot box with check") in the reader's own language."""
    return '<span class="task">☑</span>' if match.group(1) else '<span class="task">☐</span>'


def _mask_code(lines: list[str], output: str) -> list[str]:
    """The source with code blocks and code spans blanked, keeping every column where it was."""
    masked = list(lines)
    for start, end in _PRE.findall(output):
        for index in range(int(start) - 1, min(int(end), len(masked))):
            masked[index] = " " * len(masked[index])
    return [_blank_code_spans(line) if "`" in line else line for line in masked]


def _blank_code_spans(line: str) -> str:
    """`line` with each code span (a run of backticks, text, then a run of the same length) blanked, in linear time.

    A regex with a back reference (`(`+).+?\\1`) tried every opening run against the rest of the line: runs of many
    different lengths made it O(n^1.5)."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(line)]
    closing: list[int | None] = [None] * len(runs)  # the index of the next run of the same length
    seen: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        closing[index] = seen.get(length)
        seen[length] = index
    pieces, done, index = [], 0, 0
    while index < len(runs):
        close = closing[index]
        if close is None:
            index += 1
            continue
        start, end = runs[index][0], runs[close][1]
        pieces += [line[done:start], " " * (end - start)]
        done, index = end, close + 1
    return "".join(pieces) + line[done:]


class _Locator:
    """Finds, in the source, where each thing cmark reported starts (cmark gives only block lines)."""

    def __init__(self, lines: list[str], source: list[str], first_line: int) -> None:
        self.lines = lines  # code blanked, for finding things
        self.source = source  # as written, for showing them
        self.offset = first_line - 1
        self.text = "\n".join(lines)
        self.links = _Unused(self._find(_SOURCE_LINK))
        self.images = self._find(_SOURCE_IMAGE)
        self.html = self._find(_SOURCE_HTML)
        self.cursor = {"html": (0, 0), "image": (0, 0)}

    def _find(self, pattern: re.Pattern[str]) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []
        needles = _NEEDLES[pattern]
        if not any(needle in self.text for needle in needles):  # no needle has a newline, so none spans lines
            return found
        for number, line in enumerate(self.lines, 1):
            if not any(map(line.__contains__, needles)):
                continue
            for match in pattern.finditer(line):
                group = next((i for i, g in enumerate(match.groups(), 1) if g is not None), 0)
                found.append((number, match.start(group), match.group(group).strip("<>")))
        return found

    def link(self, href: str, block: tuple[int, int]) -> Ref:
        """A link: the unused source destination in its block that matches, else the first unused one."""
        wanted = unquote(href)
        links = self.links
        chosen = links.first(wanted, (block[0], 0), block[1])
        if chosen is None:
            chosen = links.first(wanted, (0, 0), None)
        if chosen is None and not href:
            chosen = links.first(None, (block[0], 0), block[1])
        if chosen is not None:
            number, column, text = links.take(chosen)
            return self._ref("link", text, "", number, column)
        return self._ref("link", wanted, "", block[0], 0)

    def image(self, src: str, alt: str, block: tuple[int, int]) -> Ref:
        number, column = self._next("image", self.images, block)
        wanted = unquote(src)
        # The image's destination also matched the link pattern; it is not a link.
        own = self.links.first(wanted or None, (number, column + 1), number)
        if own is not None:
            self.links.take(own)
        return self._ref("image", unquote(src) or self._dest_after(number, column), alt, number, column)

    def raw_html(self, block: tuple[int, int]) -> Ref:
        number, column = self._next("html", self.html, block)
        return self._tag_at(number, column)

    def html_block(self) -> Ref:
        """An HTML block: it starts a line (indented 3 at most) and runs to a blank line."""
        start = self.cursor["html"]
        for at in range(bisect.bisect_left(self.html, start, key=_position), len(self.html)):  # from the cursor, not the start
            number, column, _ = self.html[at]
            if column <= 3:
                end = self._block_end(number)
                self.cursor["html"] = (end, 0)
                block_text = "\n".join(self.source[number - 1 : end - 1]).strip("\n")
                return self._tag_at(number, column, block_text)
        return self._ref("html", "<", "", start[0] or 1, 0)

    def _block_end(self, number: int) -> int:
        """The line after the HTML block that starts on line `number` (1-based)."""
        text = self.lines[number - 1].lstrip().lower()
        closer = next((end for opener, end in _HTML_BLOCK_ENDS if text.startswith(opener)), None)
        index = number - 1
        if closer:
            while index < len(self.lines) and closer not in self.lines[index].lower():
                index += 1
        while index < len(self.lines) and self.lines[index].strip():
            index += 1
        return index + 1

    def _tag_at(self, number: int, column: int, text: str | None = None) -> Ref:
        rest = self.source[number - 1][column:]
        tag = rest.split(">", 1)[0] + ">" if ">" in rest else rest
        return Ref("html", tag, "", number + self.offset, column + 1, tag if text is None else text)

    def _next(self, kind: str, found: list[tuple[int, int, str]], block: tuple[int, int]) -> tuple[int, int]:
        """The first source occurrence at or after both the kind's cursor and the block start."""
        start = max(self.cursor[kind], (block[0], 0))
        at = bisect.bisect_left(found, start, key=_position)  # `found` is in source order: no scan from the start each time
        if at < len(found):
            number, column, _ = found[at]
            self.cursor[kind] = (number, column + 1)
            return number, column
        return block[0], 0

    def _dest_after(self, number: int, column: int) -> str:
        """The destination written after an image at `number:column` (cmark blanks unsafe ones)."""
        line = self.lines[number - 1] if number <= len(self.lines) else ""
        match = re.compile(r"\]\(\s*<?([^\s)>]*)").search(line, column)
        return match.group(1) if match else ""

    def _ref(self, kind: str, target: str, alt: str, number: int, column: int) -> Ref:
        return Ref(kind, target, alt, number + self.offset, column + 1)


def _position(found: tuple[int, int, str]) -> tuple[int, int]:
    return found[0], found[1]


class _Unused:
    """Source links in order, each used once; the first unused one at or after a position, overall or with a given
    destination, in near-constant time (a "next unused" pointer with path halving), so 100,000 links are matched in
    linear time rather than by scanning the list for each."""

    def __init__(self, found: list[tuple[int, int, str]]) -> None:
        self.found = found
        self.positions = [(number, column) for number, column, _ in found]
        self.by_target: dict[str, list[int]] = {}
        for index, (_, _, text) in enumerate(found):
            self.by_target.setdefault(unquote(text), []).append(index)
        self.used = [False] * len(found)
        self.skip: dict[str | None, list[int]] = {}  # per list (None: all links), the next index that may be unused

    def first(self, target: str | None, start: tuple[int, int], last_line: int | None) -> int | None:
        """The first unused link at or after `start` (and on a line up to `last_line`), with destination `target` unless None."""
        indexes = self.by_target.get(target, []) if target is not None else None
        size = len(indexes) if indexes is not None else len(self.found)
        at = (
            bisect.bisect_left(indexes, bisect.bisect_left(self.positions, start))
            if indexes is not None
            else bisect.bisect_left(self.positions, start)
        )
        at = self._next_unused(target, at, size, indexes)
        if at >= size:
            return None
        index = indexes[at] if indexes is not None else at
        return index if last_line is None or self.found[index][0] <= last_line else None

    def take(self, index: int) -> tuple[int, int, str]:
        self.used[index] = True
        return self.found[index]

    def _next_unused(self, target: str | None, at: int, size: int, indexes: list[int] | None) -> int:
        skip = self.skip.get(target)
        if skip is None:
            skip = self.skip[target] = list(range(size + 1))
        path = []
        while at < size and (self.used[indexes[at] if indexes is not None else at]):
            path.append(at)
            at = skip[at] if skip[at] != at else at + 1
        for visited in path:
            skip[visited] = at
        return at
