"""The headless JSON API: an index and one document per article and locale, UTF-8 as is."""

from __future__ import annotations

from json.encoder import INFINITY as _INFINITY
from json.encoder import encode_basestring
from typing import Any

from .bidi import isolate_text
from .pages import Entry, SitePlan

SCHEMA_PATH = "/api/schema.json"
INDENT = "  "


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
        "image": {"src": plan.absolute(article.image.src) if article.image.src.startswith("/") else article.image.src, "alt": article.image.alt}
        if article.image
        else None,
        "reading_minutes": entry.reading_minutes,
        "translation": {"status": entry.state, "source_fingerprint": fingerprint, "stale": entry.stale},
        "fallback_from": entry.fallback_from,
        "alternates": [{"hreflang": code, "url": plan.absolute(url)} for code, url in entry.alternates],
        "html": entry.html,
    }


def index_document(plan: SitePlan, lang: str) -> dict[str, Any]:
    """The locale's articles, newest first, with what a list needs and where the full document is."""
    items = []
    for entry in plan.entries[lang]:
        article = entry.article
        items.append(
            {
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
        )
    return {
        "$schema": plan.absolute(SCHEMA_PATH) + "#/$defs/index",
        "lang": lang,
        "dir": plan.config.locales[lang].direction,
        "count": len(items),
        "articles": items,
    }


def encode(document: dict[str, Any]) -> bytes:
    """Stable, readable JSON: keys in a fixed order, non-ASCII as is (what json.dumps(ensure_ascii=False, indent=2) writes)."""
    out: list[str] = []
    _value(document, out, "\n")
    out.append("\n")
    return "".join(out).encode("utf-8")


def _value(value: Any, out: list[str], newline: str) -> None:
    """Write one value; `newline` starts a line at its depth. Plain str, dict and list first, the rest as json's Python encoder."""
    kind = type(value)
    if kind is str:
        out.append(encode_basestring(value))
    elif kind is dict:
        _object(value, out, newline)
    elif kind is list:
        _array(value, out, newline)
    elif isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None or value is True or value is False or isinstance(value, (int, float)):
        out.append(_scalar(value))
    elif isinstance(value, (list, tuple)):
        _array(value, out, newline)
    elif isinstance(value, dict):
        _object(value, out, newline)
    else:
        raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _object(value: dict[Any, Any], out: list[str], newline: str) -> None:
    if not value:
        out.append("{}")
        return
    inner = newline + INDENT
    separator = "{" + inner
    for key, item in value.items():
        out.append(separator)
        out.append(encode_basestring(key if isinstance(key, str) else _key(key)))
        out.append(": ")
        _value(item, out, inner)
        separator = "," + inner
    out.append(newline + "}")


def _array(value: list[Any] | tuple[Any, ...], out: list[str], newline: str) -> None:
    if not value:
        out.append("[]")
        return
    inner = newline + INDENT
    separator = "[" + inner
    for item in value:
        out.append(separator)
        _value(item, out, inner)
        separator = "," + inner
    out.append(newline + "]")


def _scalar(value: float | bool | None) -> str:
    """null, true, false, an int's digits, or a float as json writes it (NaN and Infinity allowed)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if value != value:
        return "NaN"
    if value == _INFINITY or value == -_INFINITY:
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    """A key that is not a str, as json turns it into one."""
    if isinstance(key, float) or key is None or key is True or key is False or isinstance(key, int):
        return _scalar(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")
