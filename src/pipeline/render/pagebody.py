"""What an article page adds to its body: heading permalinks, footnote back-link labels in the page's language, and
the entries of a table of contents (the API and feeds keep the body as it is)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

# Headings as markdown.scan writes them (an id, then the text on one line for ATX headings, or lines for setext ones).
_HEADING = re.compile(r'<h([2-6]) id="([^"]*)">(.*?)</h\1>', re.DOTALL)
_BACKREF = re.compile(r'aria-label="Back to reference ([0-9]+(?:-[0-9]+)?)"')
_TAGS = re.compile(r"<[^>]+>")
TOC_LEVELS = (2, 3)


@dataclass(frozen=True, slots=True)
class TocEntry:
    """A heading listed in the table of contents: its level, id and text (markup of the heading's inline content)."""

    level: int
    id: str
    text: str


def decorate(markup: str, permalink: str, backref: str) -> str:
    """Body HTML with a permalink after each heading's text (`permalink` is its accessible name) and footnote back-links
    named by `backref` ("Back to reference {num}", translated)."""
    if "<h" in markup:
        label = html.escape(permalink)
        markup = _HEADING.sub(
            lambda m: (
                f'<h{m.group(1)} id="{m.group(2)}">{m.group(3)}<a class="permalink" href="#{m.group(2)}" aria-label="{label}"></a></h{m.group(1)}>'
            ),
            markup,
        )
    if "Back to reference" in markup:
        markup = _BACKREF.sub(lambda m: f'aria-label="{html.escape(backref.replace("{num}", m.group(1)))}"', markup)
    return markup


def contents(markup: str) -> tuple[TocEntry, ...]:
    """The level 2 and 3 headings of a body, for its table of contents (links inside a heading are dropped)."""
    found = []
    for level, anchor, inner in _HEADING.findall(markup):
        if int(level) in TOC_LEVELS:
            text = re.sub(r"</?a\b[^>]*>", "", inner).strip()
            found.append(TocEntry(int(level), html.unescape(anchor), text))
    return tuple(found)
