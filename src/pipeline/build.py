"""The build: validate (refuse on errors), plan, render every output to {path: bytes}, nothing written yet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from . import api, feeds
from .diagnostics import Diagnostic
from .errors import ContentError
from .pages import Entry, SitePlan, plan
from .render import Theme, article_context, page_context, pages_of, site_context
from .validate import Validation, validate

STATIC_DIR = "static"


@dataclass(frozen=True, slots=True)
class Built:
    """A build: every output file by path, and the translations a gate kept back."""

    files: Mapping[str, bytes]
    held: tuple[tuple[str, str, str], ...]


def build(root: Path, now: datetime | None = None, drafts: bool = False) -> Built:
    """Every output file of the site at `root`, by path; `now` fixes the clock (and dates the feeds)."""
    result = validate(root)
    if result.errors:
        raise ContentError(f"the content has {len(result.errors)} error(s); nothing was built", result.errors)
    site = plan(result, now or datetime.now(UTC), drafts)
    theme = Theme(site)
    files: dict[str, bytes] = {}
    for lang in site.config.locales:
        files |= _locale(site, theme, lang, result, now)
    files["index.html"] = _html(theme.render(site.config.source_locale, "language-choice.html", _choice_context(site)))
    files["404.html"] = files[f"{site.config.source_locale}/404.html"]
    files["sitemap.xml"] = feeds.sitemap(site)
    files["api/schema.json"] = resources.files("pipeline").joinpath("data/api.schema.json").read_bytes()
    files |= _theme_assets()
    files |= _static(root)
    return Built(MappingProxyType(files), site.held)


def _locale(site: SitePlan, theme: Theme, lang: str, result: Validation, now: datetime | None) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    entries = site.entries[lang]
    site_title = site.config.title.get(lang) or site.config.base_url
    published = {code: {e.id for e in site.entries[code]} for code in site.config.locales}
    for entry in entries:
        counterparts = {code: entry.url.replace(f"/{lang}/", f"/{code}/", 1) for code in site.config.locales if entry.id in published[code]}
        context = {
            "site": site_context(site, lang, counterparts),
            "page": page_context(site, lang, entry.article.title, entry.url, entry.alternates, entry.canonical),
            "article": article_context(site, entry),
        }
        files[f"{lang}/{entry.id}/index.html"] = _html(theme.render(lang, "article.html", context))
        fingerprint = result.fingerprints.get(entry.id)
        files[f"api/{lang}/articles/{entry.id}.json"] = api.encode(api.article_document(site, entry, fingerprint.digest if fingerprint else None))
    files |= _index_pages(site, theme, lang, entries, theme.gettext(lang, "All articles"))
    files |= _tag_pages(site, theme, lang)
    not_found = {"site": site_context(site, lang, {}), "page": page_context(site, lang, theme.gettext(lang, "Page not found"), f"/{lang}/404.html", ())}
    files[f"{lang}/404.html"] = _html(theme.render(lang, "404.html", not_found))
    files[f"{lang}/feed.xml"] = feeds.atom(site, lang, site_title, now)
    files[f"api/{lang}/articles.json"] = api.encode(api.index_document(site, lang))
    return files


def _index_pages(site: SitePlan, theme: Theme, lang: str, entries: tuple[Entry, ...], title: str) -> dict[str, bytes]:
    files = {}
    homes = tuple((code, f"/{code}/") for code in site.config.locales) + (("x-default", "/"),)
    for number, count, chunk in pages_of(entries, site.config.per_page):
        path = _page_path(lang, number)
        context = {
            "site": site_context(site, lang, {code: f"/{code}/" for code in site.config.locales}),
            "page": page_context(site, lang, title, path, homes if number == 1 else ((lang, path),)),
            "articles": [article_context(site, e) for e in chunk],
            "pagination": {
                "page": number,
                "pages": count,
                "prev_url": site.link(_page_path(lang, number - 1)) if number > 1 else None,
                "next_url": site.link(_page_path(lang, number + 1)) if number < count else None,
            },
        }
        files[f"{path.strip('/')}/index.html"] = _html(theme.render(lang, "index.html", context))
    return files


def _page_path(lang: str, number: int) -> str:
    return f"/{lang}/" if number == 1 else f"/{lang}/page/{number}/"


def _tag_pages(site: SitePlan, theme: Theme, lang: str) -> dict[str, bytes]:
    files = {}
    for tag, tagged in site.tags(lang).items():
        name = site.config.tags.get(tag, {}).get(lang, tag)
        path = f"/{lang}/tags/{tag}/"
        alternates = tuple((code, f"/{code}/tags/{tag}/") for code in site.config.locales if tag in site.tags(code))
        source = site.config.source_locale
        if tag in site.tags(source):
            alternates += (("x-default", f"/{source}/tags/{tag}/"),)
        context = {
            "site": site_context(site, lang, dict(alternates)),
            "page": page_context(site, lang, theme.gettext(lang, "Articles tagged %(tag)s", tag=name), path, alternates),
            "articles": [article_context(site, e) for e in tagged],
            "pagination": None,
            "tag": {"id": tag, "name": name},
        }
        files[f"{lang}/tags/{tag}/index.html"] = _html(theme.render(lang, "tag.html", context))
    return files


def _choice_context(site: SitePlan) -> dict[str, object]:
    source = site.config.source_locale
    homes = tuple((code, f"/{code}/") for code in site.config.locales) + (("x-default", "/"),)
    return {
        "site": site_context(site, source, {code: f"/{code}/" for code in site.config.locales}),
        "page": page_context(site, source, site.config.title.get(source) or site.config.base_url, "/", homes),
        "titles": {code: site.config.title.get(code) or site.config.base_url for code in site.config.locales},
    }


def _theme_assets() -> dict[str, bytes]:
    assets = resources.files("pipeline").joinpath("theme/static")
    return {f"assets/{item.name}": item.read_bytes() for item in assets.iterdir() if item.is_file()}


def _static(root: Path) -> dict[str, bytes]:
    """The site's static/ files as they are (they may override the theme's assets); links leading outside are refused."""
    static = root / STATIC_DIR
    if not static.is_dir():
        return {}
    base = static.resolve()
    files, outside = {}, []
    for path in sorted(static.rglob("*")):
        rel = path.relative_to(static).as_posix()
        if not path.resolve().is_relative_to(base):
            outside.append(Diagnostic.make("file-unreadable", f"{STATIC_DIR}/{rel}", 1, 1, "a link that leads outside static/; copy the file in instead"))
        elif path.is_file():
            files[rel] = path.read_bytes()
    if outside:
        raise ContentError("static/ has links that lead outside it; nothing was built", tuple(outside))
    return files


def _html(text: str) -> bytes:
    return text.encode("utf-8")
