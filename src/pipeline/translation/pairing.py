"""Pair files by id into TranslationSets and check them: ids, missing, orphaned, shared fields."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.content.articles import Article
from pipeline.content.sources import SourceFile
from pipeline.diagnostics import Diagnostic

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # whole names only (fullmatch): no trailing newline slips past `$`
RESERVED_IDS = frozenset({"tags", "page", "feed", "index", "api", "404", "sitemap", "static"})
MAX_ID = 100  # every output name made from an id (`<id>.json`, `<id>/index.html`) stays far below any file system's 255
DEVICE_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))})  # Windows


@dataclass(frozen=True, slots=True)
class TranslationSet:
    """One article id with its valid version per language."""

    id: str
    articles: Mapping[str, Article]


def group(articles: Iterable[Article]) -> tuple[TranslationSet, ...]:
    """Valid articles grouped by id, sorted by id."""
    by_id: dict[str, dict[str, Article]] = defaultdict(dict)
    for article in articles:
        by_id[article.id][article.lang] = article
    return tuple(TranslationSet(key, by_id[key]) for key in sorted(by_id))


def _id_problem(article_id: str) -> str | None:
    """Why `article_id` cannot name an article's outputs on every platform, or None."""
    if len(article_id) > MAX_ID:
        return f"is {len(article_id)} characters long; at most {MAX_ID}"
    if not _ID.fullmatch(article_id):
        return "must be lowercase letters, digits and single hyphens"
    if article_id in RESERVED_IDS:
        return "is reserved for the site's own pages"
    if article_id in DEVICE_NAMES:
        return "is a device name on Windows (con, prn, aux, nul, com1-9, lpt1-9), where no file can have it"
    return None


def check_ids(files: list[SourceFile]) -> list[Diagnostic]:
    """Invalid and reserved ids; two files of one language whose ids are equal up to case or Unicode form."""
    found = []
    first: dict[tuple[str, str], SourceFile] = {}
    for file in files:
        reason = _id_problem(file.id)
        if reason:
            shown = file.id if len(file.id) <= 40 else file.id[:40] + "…"
            found.append(Diagnostic.make("id-invalid", file.path, 1, 1, f"article id {shown!r} (the file name) {reason}"))
        key = (file.lang, unicodedata.normalize("NFC", file.id).casefold())
        if key in first:
            other = first[key].path
            found.append(
                Diagnostic.make(
                    "id-duplicate", file.path, 1, 1, f"id '{file.id}' is already used by {other}; one language has one file per id"
                )
            )
        else:
            first[key] = file
    return found


def pairs(sets: tuple[TranslationSet, ...], source_locale: str) -> Iterator[tuple[Article, Article]]:
    """(source, translation) for every valid translation whose source is valid too."""
    for item in sets:
        source = item.articles.get(source_locale)
        if source is not None:
            yield from ((source, article) for lang, article in item.articles.items() if lang != source_locale)


def check_shared(sets: tuple[TranslationSet, ...], pointers: tuple[str, ...], source_locale: str) -> list[Diagnostic]:
    """Each shared field (a JSON pointer) of a translation must equal its source's."""
    return [d for source, article in pairs(sets, source_locale) for pointer in pointers if (d := _compare(pointer, source, article))]


_ABSENT = object()


def _compare(pointer: str, source: Article, translation: Article) -> Diagnostic | None:
    path = tuple(part for part in pointer.split("/") if part)
    want, have = _get(source.fields, path), _get(translation.fields, path)
    if _plain(want) == _plain(have):
        return None
    name = ".".join(path)
    if have is _ABSENT:
        line, col = translation.where(*path[:-1]) if len(path) > 1 else (1, 1)
        message = f"{name} is missing here but is {_show(want)} in {source.path}; copy it"
    else:
        line, col = translation.where(*path)
        source_says = "not set" if want is _ABSENT else _show(want)
        message = f"{name} is {_show(have)} here but {source_says} in {source.path}; a translation keeps it unchanged"
    return Diagnostic.make("translation-mismatch", translation.path, line, col, message)


def _get(fields: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = fields
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            return _ABSENT
        value = value[part]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


def _show(value: Any) -> str:
    plain = _plain(value)
    return "[" + ", ".join(map(str, plain)) + "]" if isinstance(plain, list) else f"'{plain}'"
