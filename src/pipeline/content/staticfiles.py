"""A file under static/ that a browser would run: scripts, event handlers and script URLs in SVG and HTML, each located."""

from __future__ import annotations

from pipeline.content.checks import executable_parts, find_from
from pipeline.diagnostics import Diagnostic

ACTIVE = (".svg", ".svgz", ".html", ".htm", ".xhtml", ".xml", ".xsl")  # what a browser renders as a document on the site's origin
_MORE = ("<foreignobject", "<handler", "<listener")  # SVG elements that embed HTML or run script
# An XML document (SVG served as image/svg+xml) may also run script through a stylesheet, or hide markup in an entity
# that the browser's XML parser expands but an HTML parser does not see.
_XML_ONLY = (("<?xml-stylesheet", "an xml-stylesheet instruction"), ("<!entity", "an entity declaration"))


def check(rel: str, data: bytes) -> list[Diagnostic]:
    """What in the static file `rel` (relative to the root) would run on the site's origin; nothing for other kinds of file."""
    if not rel.lower().endswith(ACTIVE):
        return []
    if rel.lower().endswith(".svgz"):
        return [Diagnostic.make("static-unsafe", rel, 1, 1, "a compressed SVG cannot be checked for scripts; publish it uncompressed")]
    text = data.decode("utf-8", "replace")
    lines = text.lower().split("\n")
    parts = [(part, f"{part}{'>' if part.startswith('<') else ''}") for part in executable_parts(text)]
    parts += [(needle, f"{needle}>") for line in lines for needle in _MORE if needle in line]
    parts += [(needle, what) for needle, what in _XML_ONLY if any(needle in line for line in lines)]
    found, at = [], (0, 0)
    for part, what in parts:  # located like raw HTML in articles: from where the last one was found
        place = find_from(lines, part, at) or find_from(lines, part, (0, 0)) or (0, 0)
        at = (place[0], place[1] + 1)
        message = f"{what} would run on the site's own origin; remove it (no script in static files)"
        found.append(Diagnostic.make("static-unsafe", rel, place[0] + 1, place[1] + 1, message))
    return sorted(set(found), key=lambda d: (d.line, d.column, d.message))
