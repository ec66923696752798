"""One file on its own: text checks, front matter, body scan and fingerprint — validation that needs no other file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.content import textcheck
from pipeline.content.articles import FrontMatterRules, Parsed, parse
from pipeline.content.fingerprint import Fingerprint, fingerprint
from pipeline.content.markdown import Body, scan
from pipeline.content.sources import SourceFile
from pipeline.diagnostics import Diagnostic


@dataclass(frozen=True, slots=True)
class Studied:
    """What one readable file gave on its own: parsed front matter, the scanned body, the fingerprint, its problems."""

    parsed: Parsed
    body: Body | None
    fingerprint: Fingerprint | None  # of a valid article only
    diagnostics: tuple[Diagnostic, ...]  # the text's and the front matter's problems


def study(file: SourceFile, rules: FrontMatterRules) -> Studied:
    """Check and scan one readable file (`file.text` is not None)."""
    text_found = tuple(Diagnostic.make(p.code, file.path, p.line, p.column, p.message) for p in textcheck.check(file.text or ""))
    parsed = parse(file, rules)
    body = scan(parsed.body, parsed.body_line) if parsed.body is not None else None
    article = parsed.article
    prints = fingerprint(article.title, article.summary, article.body, body.headings, article.body_line) if article and body else None
    return Studied(parsed, body, prints, text_found + parsed.diagnostics)


@dataclass(frozen=True, slots=True)
class FileRecords:
    """Plain records of files studied under one set of rules (the schema and this tool's version), by path."""

    rules: str
    files: Mapping[str, tuple[str, Any]]  # path -> (text digest, record)
