"""The headless JSON API: an index and one document per article and locale, UTF-8 as is."""

from __future__ import annotations

from typing import Any

import orjson

from pipeline.render.bidi import isolate_text
from pipeline.render.siteplan import Entry, SitePlan

SCHEMA_PATH = "/api/schema.json"


def article_document(plan: SitePlan, entry: Entry, fingerprint: str | None) -> dict[str, Any]:
    """Everything a headless consumer needs of one article in one locale."""
    config = plan.config
    article = entry.article
    direction = config.locales[article.lang].direction
    return {
        "$schema": plan.absolute(SCHEMA_PATH) + "#/$defs/article",
        "id": entry.id,
        "lang": entry.lang,
        "dir": config.locales[entry.lang].direction,
        "content_lang": article.lang,
        "content_dir": direction,
        "url": plan.absolute(entry.url),
        "canonical": plan.absolute(entry.canonical),
        "title": article.title,
        "title_isolated": isolate_text(article.title, config.locales[entry.lang].direction),
        "summary": article.summary,
        "date": article.date.isoformat(),
        "publish_at": article.publish_at.isoformat() if article.publish_at else None,
        "author": article.author,
        "tags": [{"id": tag, "name": config.tags.get(tag, {}).get(entry.lang, tag)} for tag in article.tags],
        "image": {
            "src": plan.absolute(article.image.src) if article.image.src.startswith("/") else article.image.src,
            "alt": article.image.alt,
        }
        if article.image
        else None,
        "reading_minutes": entry.reading_minutes,
        "translation": {"status": entry.state, "source_fingerprint": fingerprint, "stale": entry.stale},
        "fallback_from": entry.fallback_from,
        "alternates": [{"hreflang": code, "url": plan.absolute(url)} for code, url in entry.alternates],
        "html": entry.body,  # made when the document is encoded
    }


def index_document(plan: SitePlan, lang: str) -> dict[str, Any]:
    """The locale's articles, newest first, with what a list needs and where the full document is."""
    items = [index_item(plan, lang, entry) for entry in plan.entries[lang]]
    return {
        "$schema": plan.absolute(SCHEMA_PATH) + "#/$defs/index",
        "lang": lang,
        "dir": plan.config.locales[lang].direction,
        "count": len(items),
        "articles": items,
    }


def index_item(plan: SitePlan, lang: str, entry: Entry) -> dict[str, Any]:
    """One article as the locale's index lists it."""
    article = entry.article
    return {
        "id": entry.id,
        "title": article.title,
        "summary": article.summary,
        "date": article.date.isoformat(),
        "tags": list(article.tags),
        "content_lang": article.lang,
        "fallback_from": entry.fallback_from,
        "translation_status": entry.state,
        "url": plan.absolute(entry.url),
        "document": plan.absolute(f"/api/{lang}/articles/{entry.id}.json"),
    }


def encode(document: dict[str, Any]) -> bytes:
    """Stable, readable JSON: keys in a fixed order, non-ASCII as is (the bytes of `json.dumps(indent=2, ensure_ascii=False)`).

    orjson's C encoder writes the same bytes as the standard library's for these documents (text, integers, lists,
    objects with text keys; a body by its `str`), several times faster (tests/test_speedups.py compares them).
    """
    return orjson.dumps(document, default=str, option=orjson.OPT_INDENT_2) + b"\n"
