"""Article aliases: the old URL paths (`/docs/faq/`) an article answers at, and which article each leads to."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from pipeline.content.articles import Article


def alias_key(path: str) -> str:
    """A site path as aliases are compared: normalized, a trailing slash unless its last segment names a file."""
    clean = posixpath.normpath("/" + path.split("#", 1)[0].split("?", 1)[0].lstrip("/"))
    last = clean.rsplit("/", 1)[-1]
    return clean if "." in last or clean.endswith("/") else clean + "/"


def alias_targets(articles: Iterable[Article], source_locale: str) -> Mapping[str, str]:
    """Alias -> the id of the article claiming it first (source-language articles first, then by path); never an article's own URL."""
    ordered = sorted(articles, key=lambda a: (a.lang != source_locale, a.path))
    own = {f"/{a.lang}/{a.id}/" for a in ordered}
    found: dict[str, str] = {}
    for article in ordered:
        for alias in article.fields.get("aliases", ()):
            key = alias_key(alias)
            if key not in own:
                found.setdefault(key, article.id)
    return MappingProxyType(found)
