"""One file's validation results to plain tuples (for the build cache and worker processes) and back.

The body's HTML is left out (it is most of the size, and the build keeps the prepared HTML it makes
from it): a Body loaded from a record has `html` None, and is scanned again if it is needed.
"""

from __future__ import annotations

import marshal
from typing import Any

from pipeline.config.yamldoc import Packed, YamlDoc
from pipeline.content.articles import PLAIN, Parsed, article_from
from pipeline.content.fingerprint import Fingerprint
from pipeline.content.markdown import Body, Recalled
from pipeline.content.perfile import Studied
from pipeline.content.sources import SourceFile
from pipeline.diagnostics import Diagnostic, Severity


def dump(studied: Studied) -> tuple[Any, ...] | None:
    """A valid article's results as builtins only; None for a file with problems (those are always re-checked)."""
    parsed, body, prints = studied.parsed, studied.body, studied.fingerprint
    if parsed.article is None or parsed.front is None or body is None or prints is None or parsed.body_start is None:
        return None
    if not _is_plain(parsed.front.data):
        return None
    later = (  # what only a check or a page involving this file reads: kept packed, and unpacked when one does (_Later)
        tuple((r.kind, r.target, r.alt, r.line, r.column, r.text) for r in body.refs),
        tuple((h.level, h.text, h.line, h.anchor, h.explicit) for h in body.headings),
        body.code_blocks,
        body.ids,
        _sections(prints, parsed.article.body),
    )
    return (
        parsed.front.data,
        Packed.pack(parsed.front.lines),  # read back only when a check or a diagnostic needs a position
        Packed.pack(parsed.front.values),
        parsed.body_start,
        parsed.body_line,
        prints.digest,
        body.links_to_fragment(),
        marshal.dumps(later),
        tuple((d.path, d.line, d.column, d.code, d.message, d.severity.value) for d in studied.diagnostics),
    )


def load(source: SourceFile, record: tuple[Any, ...], html: str | None = None) -> Studied:
    """The Studied a `dump` came from, for the same file text; `html` is the body's, when it is at hand."""
    data, lines, values, offset, body_line, digest, fragments, later, found = record
    front = YamlDoc(data, Packed(lines), (), Packed(values))
    article = article_from(source, front, offset, body_line)
    parsed = Parsed(source, article, front, offset, body_line, ())
    parts = _Later(later)
    body = Body.recalled(parts.body, html, fragments)
    prints = Fingerprint.recalled(parts.sections, article, digest)  # a section's text is a slice of the body, read when it is
    diagnostics = tuple(
        Diagnostic(p, line, column, code, message, Severity(severity)) for p, line, column, code, message, severity in found
    )
    return Studied(parsed, body, prints, diagnostics)


class _Later:
    """A record's packed part (its marshal bytes, inside the sealed cache), unpacked each time it is asked for.

    Kept packed: unpacked, an article's links, headings and sections take ~5 times the bytes, and every article's are
    asked for by the checks of a cold build, then held by the build while it makes its outputs (and copied into each
    worker that touches them); unpacking 600 bytes again takes a few microseconds."""

    __slots__ = ("_packed",)

    def __init__(self, packed: bytes) -> None:
        self._packed = packed

    def _unpacked(self) -> tuple[Any, ...]:
        parts: tuple[Any, ...] = marshal.loads(self._packed)
        return parts

    def body(self) -> Recalled:
        refs, headings, code_blocks, ids, _ = self._unpacked()
        return refs, headings, code_blocks, ids

    def sections(self) -> tuple[tuple[Any, ...], ...]:
        sections: tuple[tuple[Any, ...], ...] = self._unpacked()[4]
        return sections


def _sections(prints: Fingerprint, body: str) -> tuple[tuple[Any, ...], ...]:
    """The sections, each body section's text as its (start, end) in the body: it is a slice of it, and need not be kept twice."""
    found, position = [], 0
    for s in prints.sections:
        start = body.find(s.text, position) if s.line else -1
        text: Any = (start, start + len(s.text)) if start >= 0 else s.text
        position = max(position, start)
        found.append((s.key, s.label, text, s.digest, s.line))
    return tuple(found)


def _is_plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_plain(v) for v in value)
    return type(value) in PLAIN
