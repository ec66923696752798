"""Hugo front matter to the pipeline's: title, date, summary, tags, draft, publish_at, lastmod, aliases; the rest kept under `hugo`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import yaml

from pipeline.diagnostics import Diagnostic
from pipeline.importers.hugopages import Page

MAPPED = {"title", "date", "description", "summary", "tags", "draft", "publishdate", "lastmod", "aliases", "translationkey", "author"}
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
NAMESPACE = "hugo"


@dataclass(frozen=True, slots=True)
class Mapped:
    """A page's front matter for the pipeline, in the order it is written, and what could not be mapped."""

    fields: dict[str, Any]
    diagnostics: tuple[Diagnostic, ...]


def page_date(page: Page) -> str | None:
    """The page's date as YYYY-MM-DD: `date`, else `publishDate`, else `lastmod`."""
    for key in ("date", "publishDate", "lastmod"):
        found = get(page.front, key)
        if found is not None:
            text = _date_text(found)
            if text:
                return text
    return None


def map_front(page: Page, tags: tuple[str, ...], aliases: tuple[str, ...], fallback_date: tuple[str, str]) -> Mapped:
    """The pipeline front matter of `page`; `tags` are the tag ids, `fallback_date` (date, why) is used when the page has none."""
    front = page.front
    problems = []
    fields: dict[str, Any] = {}
    title = get(front, "title")
    if not isinstance(title, str) or not title.strip():
        title = str(get(front, "linkTitle") or page.rel.rsplit("/", 1)[-1].replace("-", " ").strip() or "untitled")
        problems.append(_note(page, "title", f"no title; used '{title}'"))
    fields["title"] = title.strip()[:200]
    day = page_date(page)
    if day is None:
        day = fallback_date[0]
        problems.append(_note(page, "date", f"no date, publishDate or lastmod; used {day} ({fallback_date[1]})"))
    fields["date"] = day
    summary = get(front, "description") or get(front, "summary")
    if isinstance(summary, str) and summary.strip():
        fields["summary"] = " ".join(summary.split())[:600]
    author = get(front, "author")
    if isinstance(author, list) and len(author) == 1:
        author = author[0]
    if isinstance(author, str) and author.strip():
        fields["author"] = author.strip()
    elif author is not None:
        fields.setdefault(NAMESPACE, {})["author"] = plain(author)
    if tags:
        fields["tags"] = list(tags)
    draft = get(front, "draft")
    if isinstance(draft, bool) and draft:
        fields["draft"] = True
    published = get(front, "publishDate")
    if published is not None:
        moment = _moment(published)
        if moment:
            fields["publish_at"] = moment
        else:
            problems.append(_note(page, "publishDate", f"publishDate '{published}' is not a date; kept under {NAMESPACE}"))
            fields.setdefault(NAMESPACE, {})["publishDate"] = plain(published)
    lastmod = get(front, "lastmod")
    if lastmod is not None:
        fields["lastmod"] = plain(lastmod) if not isinstance(lastmod, str) else lastmod
    if aliases:
        fields["aliases"] = list(aliases)
    kept = {str(k): plain(v) for k, v in front.items() if str(k).lower() not in MAPPED}
    if kept:
        fields.setdefault(NAMESPACE, {}).update(kept)
    return Mapped(fields, tuple(problems))


def get(front: dict[str, Any], key: str) -> Any:
    """A key as Hugo reads it: case-insensitively."""
    if key in front:
        return front[key]
    lower = key.lower()
    for name, value in front.items():
        if str(name).lower() == lower:
            return value
    return None


def _date_text(value: Any) -> str | None:
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    match = _DATE.match(str(value).strip())
    if not match:
        return None
    try:
        return date.fromisoformat(match[1]).isoformat()
    except ValueError:
        return None


def _moment(value: Any) -> str | None:
    """ISO 8601 with a time zone (Hugo reads a moment without one as UTC)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(), UTC)
    else:
        text = str(value).strip().replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def plain(value: Any) -> Any:
    """A value as YAML and JSON both keep it: dates and times as ISO text."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _note(page: Page, key: str, message: str) -> Diagnostic:
    line = page.lines.get(key) or page.lines.get(key.lower()) or 1
    return Diagnostic.make("import-field", page.path, line, 1, message)


def article_text(fields: dict[str, Any], body: str) -> str:
    front = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100_000)
    return f"---\n{front}---\n{body if body.startswith(chr(10)) else chr(10) + body}"
