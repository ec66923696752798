"""A file under static/ that a browser would run: scripts, event handlers and script URLs in SVG and HTML, each located."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from pipeline.diagnostics import Diagnostic

ACTIVE = (".svg", ".svgz", ".html", ".htm", ".xhtml", ".xml", ".xsl")  # what a browser renders as a document on the site's origin
_RUNS = frozenset({"script", "iframe", "object", "embed", "frame", "base", "form", "meta", "link", "foreignobject", "handler", "listener"})
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]")
_SCRIPT_URL = re.compile(r"(?:javascript|vbscript|data):")


class _Finder(HTMLParser):
    """Start tags as a browser's tokenizer sees them (case folded, entities decoded), with where each starts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, column = self.getpos()
        if tag in _RUNS:
            self.found.append((line, column + 1, f"a <{tag}> element"))
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append((line, column + 1, f"an event handler ({name}=)"))
            elif _SCRIPT_URL.match(_INVISIBLE.sub("", value or "").lower()):
                self.found.append((line, column + 1, f"a script URL in {name}="))

    handle_startendtag = handle_starttag

    def handle_pi(self, data: str) -> None:
        if data.lower().startswith("xml-stylesheet"):  # XSLT can run script
            line, column = self.getpos()
            self.found.append((line, column + 1, "an xml-stylesheet instruction"))


def check(rel: str, data: bytes) -> list[Diagnostic]:
    """What in the static file `rel` (relative to the root) would run on the site's origin; nothing for other kinds of file."""
    if not rel.lower().endswith(ACTIVE):
        return []
    if rel.lower().endswith(".svgz"):
        return [Diagnostic.make("static-unsafe", rel, 1, 1, "a compressed SVG cannot be checked for scripts; publish it uncompressed")]
    finder = _Finder()
    finder.feed(data.decode("utf-8", "replace"))
    finder.close()
    return [
        Diagnostic.make(
            "static-unsafe", rel, line, column, f"{what} would run on the site's own origin; remove it (no script in static files)"
        )
        for line, column, what in finder.found
    ]
