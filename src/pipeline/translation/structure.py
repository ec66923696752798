"""Compare a translation with its source: the same links, images, code blocks and headings; nothing left untranslated."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Mapping

from pipeline.content.articles import Article
from pipeline.content.fingerprint import Fingerprint, Section
from pipeline.content.markdown import Body
from pipeline.diagnostics import Diagnostic
from pipeline.translation.draft import TRANSLATE_MARK

_LETTERS = re.compile(r"[^\W\d_]{2,}")


def check(source: Article, source_body: Body, translation: Article, body: Body) -> list[Diagnostic]:
    """Links, images, code blocks, heading count and heading levels that differ from the source, at the translation's lines."""
    found = []
    path = translation.path
    start = translation.body_line + len(translation.body) - len(translation.body.lstrip("\n"))  # first text line
    aligned = len(body.headings) == len(source_body.headings)  # then the n-th heading of each starts the same section
    sections = [heading.line for heading in source_body.headings]  # in rising order
    for kind in ("link", "image"):
        want = Counter(r.target for r in source_body.refs if r.kind == kind)
        first: dict[str, int] = {}  # target -> the source's line of its first ref
        for ref in source_body.refs:
            if ref.kind == kind:
                first.setdefault(ref.target, ref.line)
        have = Counter(r.target for r in body.refs if r.kind == kind)
        for ref in body.refs:
            if ref.kind == kind and have[ref.target] > want[ref.target]:
                have[ref.target] -= 1
                message = f"{kind} to '{ref.target}' is not in {source.path}; a translation keeps the source's {kind}s"
                found.append(Diagnostic.make("translation-structure", path, ref.line, ref.column, message))
        for target, missing in (want - Counter(r.target for r in body.refs if r.kind == kind)).items():
            line = first[target]
            times = "" if missing == 1 else f" ({missing} times)"
            article = "an" if kind == "image" else "a"
            message = f"{source.path} has {article} {kind} to '{target}' (line {line}){times} that this translation lacks"
            at = _section_start(sections, body, line, start) if aligned else start
            found.append(Diagnostic.make("translation-structure", path, at, 1, message))
    for what, mine, theirs in (
        ("code block", body.code_blocks, source_body.code_blocks),
        ("heading", body.headings, source_body.headings),
    ):
        if len(mine) != len(theirs):
            message = f"{len(mine)} {what}{'' if len(mine) == 1 else 's'} here, {len(theirs)} in {source.path}"
            found.append(Diagnostic.make("translation-structure", path, start, 1, message))
    if aligned:
        found += _levels(source, source_body, path, body)
    return found


def _section_start(sections: list[int], body: Body, line: int, start: int) -> int:
    """The translation's line where the section holding the source's `line` starts (`sections`: the lines of the source's
    headings): the heading at the same position, or the body's first text line for what comes before the first heading
    (the headings are as many in both)."""
    number = bisect_right(sections, line)
    return body.headings[number - 1].line if number else start


def _levels(source: Article, source_body: Body, path: str, body: Body) -> list[Diagnostic]:
    """Headings whose level differs from the source's heading at the same position (a section moved up or down the
    outline: the table of contents and the page's structure differ from the source's), at the translation's heading."""
    found = []
    for mine, theirs in zip(body.headings, source_body.headings, strict=True):
        if mine.level != theirs.level:
            message = (
                f"heading '{mine.text}' is level {mine.level} ({'#' * mine.level}) here, level {theirs.level} "
                f"({'#' * theirs.level}) in {source.path} ('{theirs.text}', line {theirs.line}); "
                "a translation keeps the source's heading levels"
            )
            found.append(Diagnostic.make("translation-structure", path, mine.line, 1, message))
    return found


def same_as_source(source_print: Fingerprint, own_print: Fingerprint) -> tuple[Section, ...]:
    """The translation's sections (title, summary, intro, under a heading) that are still word for word a source section with words."""
    source_digests = {s.digest for s in source_print.sections if _LETTERS.search(s.text)}
    return tuple(section for section in own_print.sections if section.digest in source_digests)


def marked_untranslated(source: Article, translation: Article, text: str) -> tuple[tuple[str, ...], ...]:
    """Front-matter fields still marked `# translate` by the draft and still holding the source's value."""
    if TRANSLATE_MARK.strip() not in text:  # no field is marked: most translations, once translated
        return ()
    lines = text.split("\n")
    found = []
    for path, (line, _) in translation.lines.items():
        if 0 < line <= len(lines) and lines[line - 1].rstrip().endswith(TRANSLATE_MARK.strip()):
            mine, theirs = _field(translation.fields, path), _field(source.fields, path)
            if isinstance(mine, str) and mine == theirs:
                found.append(tuple(str(part) for part in path))
    return tuple(sorted(found))


def _field(fields: object, path: tuple[str | int, ...]) -> object:
    for part in path:
        if isinstance(fields, Mapping) and part in fields:
            fields = fields[part]
        elif isinstance(fields, (list, tuple)) and isinstance(part, int) and 0 <= part < len(fields):
            index: int = part
            fields = fields[index]
        else:
            return None
    return fields


def untranslated(source: Article, source_print: Fingerprint, translation: Article, own_print: Fingerprint) -> list[Diagnostic]:
    """Title, summary and sections that are still word for word the source's text."""
    found = []
    for section in same_as_source(source_print, own_print):
        line, col = translation.where(section.key) if section.line == 0 else (section.line, 1)
        name = section.key if section.key in ("title", "summary", "intro") else f"section '{section.label}'"
        message = f"{name} is still the text of {source.path}; translate it"
        found.append(Diagnostic.make("translation-untranslated", translation.path, line, col, message))
    if source.image and translation.image and source.image.alt == translation.image.alt:
        line, col = translation.where("image", "alt")
        found.append(
            Diagnostic.make(
                "translation-untranslated", translation.path, line, col, f"image.alt is still the text of {source.path}; translate it"
            )
        )
    return found
