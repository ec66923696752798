"""A SourceFile to an immutable Article: split the front matter, load it, check it against the schema."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from pipeline.config.schema import Checker
from pipeline.config.site import SiteConfig
from pipeline.config.yamldoc import Path, YamlDoc, load
from pipeline.content.sources import SourceFile
from pipeline.diagnostics import Diagnostic

_FENCE = re.compile(r"^---[ \t]*$")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_KIND_CODES = {"required": "field-required", "unknown": "field-unknown", "invalid": "field-invalid"}


PLAIN = frozenset((str, int, float, bool, type(None)))  # the scalars YAML loads front matter into: _freeze leaves them as they are


@dataclass(frozen=True, slots=True)
class Image:
    src: str
    alt: str


@dataclass(frozen=True, slots=True)
class Article:
    """One article in one language, with checked front matter; never half-filled."""

    path: str
    lang: str
    id: str
    title: str
    date: date
    summary: str | None
    author: str | None
    tags: tuple[str, ...]
    draft: bool
    publish_at: datetime | None
    image: Image | None
    source: SourceFile  # the file: its text from `body_start` is the body
    body_start: int
    body_line: int  # the file line the body starts on
    fields: Mapping[str, Any]  # the front matter as loaded (read-only)
    lines: Mapping[Path, tuple[int, int]]  # front-matter key path -> (line, column)

    @property
    def body(self) -> str:
        """The Markdown after the front matter (a slice of the file's text, which is kept once)."""
        return (self.source.text or "")[self.body_start :]

    def where(self, *path: str | int) -> tuple[int, int]:
        """The line and column of a front-matter key, or of the front matter's start."""
        return self.lines.get(tuple(path), (1, 1))


@dataclass(frozen=True, slots=True)
class Parsed:
    """What one file gave: the article if it is valid, the body if it could be found, and problems."""

    source: SourceFile
    article: Article | None
    front: YamlDoc | None  # the front matter as loaded, also when it broke the schema
    body_start: int | None  # where the body starts in the text, when the front matter closes
    body_line: int
    diagnostics: tuple[Diagnostic, ...]

    @property
    def body(self) -> str | None:
        """The Markdown after the front matter, if it could be found."""
        return None if self.body_start is None else (self.source.text or "")[self.body_start :]


class FrontMatterRules:
    """The article schema with each locale's extra requirements (`$defs/locales/<lang>`)."""

    def __init__(self, config: SiteConfig) -> None:
        self._schema = dict(config.article_schema)
        self._checkers: dict[str, Checker] = {}

    def checker(self, lang: str) -> Checker:
        if lang not in self._checkers:
            extra = ("/$defs/locales/" + lang,) if lang in self._schema.get("$defs", {}).get("locales", {}) else ()
            self._checkers[lang] = Checker(self._schema, extra)
        return self._checkers[lang]

    @property
    def shared(self) -> tuple[str, ...]:
        """JSON pointers of the fields every translation must copy from its source (`x-shared`)."""
        return tuple(self._schema.get("x-shared", ()))


def parse(source: SourceFile, rules: FrontMatterRules) -> Parsed:
    """Split, load and check one file; every problem found is in `diagnostics`."""
    text = source.text or ""
    if not text.strip():
        return _failed(source, "frontmatter-missing", 1, 1, "the file is empty; an article starts with a `---` front matter block")
    first_line = text.split("\n", 1)[0]
    if not _FENCE.match(first_line):
        return _failed(source, "frontmatter-missing", 1, 1, "an article must start with a `---` line opening its front matter")
    start = len(first_line) + 1
    close = _CLOSE.search(text, start)
    if close is None:
        return _failed(source, "frontmatter-unclosed", 1, 1, "the front matter opened here is never closed by a `---` line")
    yaml_text = text[start : close.start()]
    body_end = text.find("\n", close.start())
    body_start = body_end + 1 if body_end >= 0 else len(text)
    body_line = text.count("\n", 0, close.start()) + 2
    doc = load(yaml_text, first_line=2)
    if doc.data is None and not doc.problems:  # an empty block: report the required fields
        doc = YamlDoc({}, {(): (1, 1)})
    diagnostics = [Diagnostic.make(p.code, source.path, p.line, p.column, p.message) for p in doc.problems]
    article = None
    if doc.data is not None or not doc.problems:
        findings = rules.checker(source.lang).check(doc, top=(1, 1))
        diagnostics += [Diagnostic.make(_KIND_CODES[f.kind], source.path, f.line, f.column, f.message) for f in findings]
        if not diagnostics:
            article = article_from(source, doc, body_start, body_line)
    return Parsed(source, article, doc if doc.data is not None else None, body_start, body_line, tuple(diagnostics))


def _failed(source: SourceFile, code: str, line: int, column: int, message: str) -> Parsed:
    return Parsed(source, None, None, None, 1, (Diagnostic.make(code, source.path, line, column, message),))


def article_from(source: SourceFile, doc: YamlDoc, body_start: int, body_line: int) -> Article:
    """The Article of front matter that passed the schema, whose body starts at `body_start` in the file's text."""
    data: dict[str, Any] = doc.data
    image = data.get("image")
    publish_at = data.get("publish_at")
    return Article(
        path=source.path,
        lang=sys.intern(source.lang),
        id=source.id,
        title=data["title"],
        date=date.fromisoformat(data["date"]),
        summary=data.get("summary"),
        author=data.get("author"),
        tags=tuple(map(sys.intern, data.get("tags", ()))),  # one object per tag, not per use: see _freeze
        draft=bool(data.get("draft", False)),
        publish_at=datetime.fromisoformat(publish_at) if publish_at else None,
        image=Image(image["src"], image["alt"]) if image else None,
        source=source,
        body_start=body_start,
        body_line=body_line,
        fields=_freeze(data),
        lines=MappingProxyType(doc.lines),  # a view: a YamlDoc's positions are not changed once loaded (and may be Packed)
    )


def _freeze(value: Any) -> Any:
    """`value` read-only, its keys interned: every article's front matter shares one object per key (YAML makes one per use),
    and a build that forks workers leaves fewer objects scattered over the pages that reading an article copies."""
    if isinstance(value, dict):
        return MappingProxyType({sys.intern(key): item if type(item) in PLAIN else _freeze(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(item if type(item) in PLAIN else _freeze(item) for item in value)
    return value
