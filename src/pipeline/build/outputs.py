"""Every output of a site described: each locale's pages, API documents and feed, the sitemap, theme assets and static files, keyed by what each is made from."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pipeline import PACKAGE, sitepaths
from pipeline.build import depmap, searchparts
from pipeline.build.depmap import DepMap
from pipeline.build.keys import Keys, joined, key
from pipeline.build.reads import Listed, Reads, Since, reads_of
from pipeline.diagnostics import Diagnostic
from pipeline.errors import ContentError
from pipeline.render import api, feeds, highlight, redirects, search
from pipeline.render.siteplan import Entry, SitePlan
from pipeline.render.theme import Theme, article_context, page_context, pages_of, site_context, tag_name
from pipeline.validate import Validation

STATIC_DIR = "static"
# Response headers for hosts that read a _headers file (Netlify, Cloudflare Pages; others serve it as a file): no script
# runs unless it is a file of the site itself, so an SVG or HTML file that slipped past the checks runs nothing inline.
HEADERS = b"""/*
  Content-Security-Policy: script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'
  X-Content-Type-Options: nosniff
  Referrer-Policy: strict-origin-when-cross-origin
"""


@dataclass(frozen=True, slots=True)
class Output:
    """One output file: where it goes, a digest of everything it is made from, and how to make it."""

    path: str
    key: str
    make: Callable[[], bytes]


def page(theme: Theme, lang: str, template: str, path: str, common: str, known: Any, context: Callable[[], dict[str, Any]]) -> Output:
    """A page whose key is made from `known` (what its context is made from) and whose context is made only if it is rendered."""
    return Output(path, key(common, template, lang, known), partial(_render, theme, lang, template, context))


def _render(theme: Theme, lang: str, template: str, context: Callable[[], dict[str, Any]]) -> bytes:
    return theme.render(lang, template, context()).encode("utf-8")


class _Articles:
    """The article contexts of one locale's entries (theme.article_context), each made on first use."""

    def __init__(self, site: SitePlan, entries: tuple[Entry, ...]) -> None:
        self._site = site
        self._entries = {entry.id: entry for entry in entries}
        self._made: dict[str, dict[str, Any]] = {}

    def __getitem__(self, article_id: str) -> dict[str, Any]:
        if article_id not in self._made:
            self._made[article_id] = article_context(self._site, self._entries[article_id])
        return self._made[article_id]


@dataclass(frozen=True, slots=True)
class Described:
    """Every output, the map of what they are made from, and whether all of them were described (or only those made
    from a changed part, the others kept from the last build)."""

    outputs: list[Output]
    map: DepMap
    whole: bool
    lists: Mapping[str, Listed]  # output path -> what its list of parts was made from, and the list (Reads.listed)


def described(
    site: SitePlan,
    theme: Theme,
    result: Validation,
    root: Path,
    now: datetime | None,
    common: str,
    store: Path | None = None,
    keys: Keys | None = None,
    since: Since | None = None,
) -> Described:
    """Every output of the site: each locale's, then the language choice, 404, sitemap, API schema, theme assets and static
    files, with the map of what they are made from (depmap.py).

    `store` is the site root when its build cache may be used (the search index's per-article parts are kept there);
    `keys` are the digests of entries' parts a build under the same common key and rules computed (keys.py). With `since`,
    a last build whose structure is this one's, only the outputs made from a changed part are described again; the
    others are the last build's (the same objects, the same keys), and so is the map's record of who reads what."""
    keys = keys if keys is not None else Keys()
    reads = reads_of(site, result, keys, since)
    static = static_outputs(root)  # a static/ file (its own _headers, say) replaces a made one; aliases take what is left
    found = redirects.redirects(site)
    fixed = (*(o.path for o in static), *(f"{old} {new} {lang}" for old, new, lang in found))
    structure = depmap.structure_of(site, keys.scope, fixed)
    stale = depmap.stale(since.map if since is not None else None, structure, reads.parts())
    if since is not None and stale is not None:
        reads.wanted = stale
        fresh = {o.path: o for o in _made(site, theme, root, now, common, store, reads) + static}  # redirects are as they were
        if stale <= fresh.keys():  # else the map names an output no longer made so: every output is described below
            outputs = [fresh.get(o.path, o) for o in since.outputs]
            return Described(outputs, DepMap(structure, reads.parts(), since.map.uses), False, {**since.lists, **reads.lists})
        reads = reads_of(site, result, keys, None)
    outputs = _made(site, theme, root, now, common, store, reads) + static
    outputs += redirect_outputs(found, site, {o.path for o in outputs}, common)
    uses = MappingProxyType({k: tuple(v) for k, v in reads.uses.items()})
    return Described(outputs, DepMap(structure, reads.parts(), uses), True, reads.lists)


def _made(site: SitePlan, theme: Theme, root: Path, now: datetime | None, common: str, store: Path | None, reads: Reads) -> list[Output]:
    """The outputs made from the plan and the theme (all but static files and redirects), those `reads` wants."""
    outputs: list[Output] = []
    for lang in site.config.locales:
        outputs += locale_outputs(site, theme, lang, now, common, store, reads)
    source = site.config.source_locale
    if reads.wants("index.html"):
        choice = choice_context(site)
        outputs.append(page(theme, source, "language-choice.html", "index.html", common, choice, lambda: choice))
    if reads.wants("404.html"):
        missing = not_found_context(site, theme, source)
        outputs.append(page(theme, source, "404.html", "404.html", common, missing, lambda: missing))
    if reads.wants("sitemap.xml"):
        outputs.append(reads.take(Output("sitemap.xml", key(common, "sitemap", sitemap_data(site, reads)), partial(feeds.sitemap, site))))
    if reads.wanted is None:  # made from the common key alone
        schema = PACKAGE / "data/api.schema.json"
        outputs.append(Output("api/schema.json", common, schema.read_bytes))
        outputs.append(Output("_headers", common, lambda: HEADERS))
        outputs += theme_assets(common)
    return outputs


def redirect_outputs(aliases: list[tuple[str, str, str]], site: SitePlan, taken: set[str], common: str) -> list[Output]:
    """A redirect page at each old URL (`aliases`: redirects.redirects) no other output claims, and `_redirects` listing them for Netlify."""
    found = [r for r in aliases if redirects.output_path(r[0]) not in taken]
    if not found:
        return []
    outputs = [
        Output(redirects.output_path(old), key(common, "redirect", old, new, lang), partial(redirects.page, site, new, lang))
        for old, new, lang in found
    ]
    if "_redirects" not in taken:
        outputs.append(Output("_redirects", key(common, "_redirects", found), partial(redirects.netlify, site, found)))
    return outputs


def locale_outputs(
    site: SitePlan, theme: Theme, lang: str, now: datetime | None, common: str, store: Path | None, reads: Reads
) -> list[Output]:
    outputs: list[Output] = []
    entries = site.entries[lang]
    published = reads.published
    articles = _Articles(site, entries)
    for entry in entries:
        path, api_path = f"{lang}/{entry.id}/index.html", f"api/{lang}/articles/{entry.id}.json"
        if reads.wants(path):
            counterparts = {
                code: entry.url.replace(f"/{lang}/", f"/{code}/", 1) for code in site.config.locales if entry.id in published[code]
            }
            context = partial(_article_page, site, lang, entry, counterparts, articles)
            page_key = joined(common, "article.html", reads.entry(lang, entry.id), *(f"{code} {url}" for code, url in counterparts.items()))
            outputs.append(reads.take(Output(path, page_key, partial(_render, theme, lang, "article.html", context))))
        if reads.wants(api_path):
            print_digest = reads.print_of(entry.id)
            document = partial(api.article_document, site, entry, print_digest)
            made_of = reads.of(lang, entry.id, "api", document, print_digest)
            outputs.append(reads.take(Output(api_path, joined(common, "api", made_of), partial(_encoded, document))))
    outputs += _index_pages(site, theme, lang, entries, articles, reads, common)
    outputs += _tag_pages(site, theme, lang, articles, reads, common, now)
    if reads.wants(f"{lang}/404.html"):
        missing = not_found_context(site, theme, lang)
        outputs.append(page(theme, lang, "404.html", f"{lang}/404.html", common, missing, lambda: missing))
    if reads.wants(f"{lang}/feed.xml"):
        title = site.config.title.get(lang) or site.config.base_url
        data = _feed_data(site, lang, reads)
        outputs.append(
            reads.take(Output(f"{lang}/feed.xml", key(common, "feed", title, data), partial(feeds.atom, site, lang, title, now)))
        )
    if reads.wants(f"api/{lang}/articles.json"):
        listed = reads.listed(f"api/{lang}/articles.json", "api-index", [(lang, e) for e in entries], partial(api.index_item, site))
        index = partial(api.index_document, site, lang)
        outputs.append(reads.take(Output(f"api/{lang}/articles.json", key(common, "api-index", lang, listed), partial(_encoded, index))))
    return outputs + _search_outputs(site, theme, lang, common, store, reads)


def _encoded(document: Callable[[], dict[str, Any]]) -> bytes:
    return api.encode(document())


def _search_outputs(site: SitePlan, theme: Theme, lang: str, common: str, store: Path | None, reads: Reads) -> list[Output]:
    """The locale's search page and its index (made only when an entry's text or how it is published changed)."""
    outputs = []
    if reads.wants(f"{lang}/search/index.html"):
        context = {
            "site": site_context(site, lang, {code: f"/{code}/search/" for code in site.config.locales}),
            "page": page_context(site, lang, theme.gettext(lang, "Search"), f"/{lang}/search/", ()),
            "search": {"index_url": site.link(f"/{lang}/search-index.json"), "script_url": site.link("/assets/search.js")},
        }
        outputs.append(page(theme, lang, "search.html", f"{lang}/search/index.html", common, context, lambda: context))
    if reads.wants(f"{lang}/search-index.json"):
        entries = site.entries[lang]
        for entry in entries:  # read: the index is described again when an entry changes, and made again if what it shows did
            reads.entry(lang, entry.id)
        made_of = tuple(map(reads.words_of, entries))
        shown = (f"{words} {e.article.lang} {e.url}" for words, e in zip(made_of, entries))  # search._doc's and the words' sources
        made = partial(_search_index, site, lang, store, made_of)
        outputs.append(reads.take(Output(f"{lang}/search-index.json", joined(common, "search-index", lang, *shown), made)))
    return outputs


def _search_index(site: SitePlan, lang: str, store: Path | None, made_of: tuple[str, ...]) -> bytes:
    return search.encode(searchparts.index(site, lang, store, made_of))


def _article_page(site: SitePlan, lang: str, entry: Entry, counterparts: dict[str, str], articles: _Articles) -> dict[str, Any]:
    return {
        "site": site_context(site, lang, counterparts),
        "page": page_context(site, lang, entry.article.title, entry.url, entry.alternates, entry.canonical, entry),
        "article": articles[entry.id],
    }


def not_found_context(site: SitePlan, theme: Theme, lang: str) -> dict[str, Any]:
    return {
        "site": site_context(site, lang, {}),
        "page": page_context(site, lang, theme.gettext(lang, "Page not found"), f"/{lang}/404.html", ()),
    }


def _index_pages(
    site: SitePlan, theme: Theme, lang: str, entries: tuple[Entry, ...], articles: _Articles, reads: Reads, common: str
) -> list[Output]:
    outputs = []
    title = theme.gettext(lang, "All articles")
    for number, count, chunk in pages_of(entries, site.config.per_page):
        path = f"{_page_path(lang, number).strip('/')}/index.html"
        if not reads.wants(path):
            continue
        known = (title, number, count, [reads.entry(lang, e.id) for e in chunk])
        context = partial(_index_page, site, lang, title, number, count, chunk, articles)
        outputs.append(reads.take(page(theme, lang, "index.html", path, common, known, context)))
    return outputs


def _index_page(
    site: SitePlan, lang: str, title: str, number: int, count: int, chunk: tuple[Entry, ...], articles: _Articles
) -> dict[str, Any]:
    path = _page_path(lang, number)
    homes = tuple((code, f"/{code}/") for code in site.config.locales) + (("x-default", "/"),)
    # The switcher leads to the same page of each language's list where it has one, else to its first.
    pages = {code: -(-len(site.entries[code]) // site.config.per_page) for code in site.config.locales}
    counterparts = {code: _page_path(code, number if number <= pages[code] else 1) for code in site.config.locales}
    return {
        "site": site_context(site, lang, counterparts),
        "page": page_context(site, lang, title, path, homes if number == 1 else ((lang, path),)),
        "articles": [articles[e.id] for e in chunk],
        "pagination": {
            "page": number,
            "pages": count,
            "prev_url": site.link(_page_path(lang, number - 1)) if number > 1 else None,
            "next_url": site.link(_page_path(lang, number + 1)) if number < count else None,
        },
    }


def _page_path(lang: str, number: int) -> str:
    return f"/{lang}/" if number == 1 else f"/{lang}/page/{number}/"


def _tag_pages(
    site: SitePlan, theme: Theme, lang: str, articles: _Articles, reads: Reads, common: str, now: datetime | None
) -> list[Output]:
    """Each tag's pages (paginated as the index is: site.per_page a page) and its feed."""
    outputs: list[Output] = []
    if not reads.wants_under(f"{lang}/tags/"):
        return outputs
    source, tags = site.config.source_locale, reads.tags
    for tag, tagged in tags[lang].items():
        name = tag_name(site.config, tag, lang)
        alternates = tuple((code, _tag_path(code, tag, 1)) for code in site.config.locales if tag in tags[code])
        if tag in tags[source]:
            alternates += (("x-default", _tag_path(source, tag, 1)),)
        title = theme.gettext(lang, "Articles tagged %(tag)s", tag=name)
        pages = {code: -(-len(tags[code][tag]) // site.config.per_page) for code in site.config.locales if tag in tags[code]}
        for number, count, chunk in pages_of(tagged, site.config.per_page):
            path = f"{_tag_path(lang, tag, number).strip('/')}/index.html"
            if not reads.wants(path):
                continue
            # The switcher leads to the same page of the tag in each language that has it, else to the tag's first page there.
            counterparts = {code: _tag_path(code, tag, number if number <= last else 1) for code, last in pages.items()}
            listing = _Listing(tag, name, title, alternates if number == 1 else ((lang, _tag_path(lang, tag, number)),), number, count)
            known = (listing, counterparts, [reads.entry(lang, e.id) for e in chunk])
            context = partial(_tag_page, site, lang, listing, counterparts, chunk, articles)
            outputs.append(reads.take(page(theme, lang, "tag.html", path, common, known, context)))
        if not reads.wants(f"{lang}/tags/{tag}/feed.xml"):
            continue
        feed_title = f"{site.config.title.get(lang) or site.config.base_url}: {site.config.tags.get(tag, {}).get(lang, tag)}"
        data = _feed_data(site, lang, reads, tag, tagged)
        make = partial(feeds.atom, site, lang, feed_title, now, tag)
        outputs.append(reads.take(Output(f"{lang}/tags/{tag}/feed.xml", key(common, "feed", feed_title, data), make)))
    return outputs


def _tag_path(lang: str, tag: str, number: int) -> str:
    return f"/{lang}/tags/{tag}/" if number == 1 else f"/{lang}/tags/{tag}/page/{number}/"


@dataclass(frozen=True, slots=True)
class _Listing:
    """One page of a tag's list: the tag, its name and title in the locale, the page's alternates, and where it is in the list."""

    tag: str
    name: str
    title: str
    alternates: tuple[tuple[str, str], ...]
    number: int
    count: int


def _tag_page(
    site: SitePlan, lang: str, listing: _Listing, counterparts: dict[str, str], chunk: tuple[Entry, ...], articles: _Articles
) -> dict[str, Any]:
    tag, number, count = listing.tag, listing.number, listing.count
    return {
        "site": site_context(site, lang, counterparts),
        "page": page_context(site, lang, listing.title, _tag_path(lang, tag, number), listing.alternates),
        "articles": [articles[e.id] for e in chunk],
        "pagination": {
            "page": number,
            "pages": count,
            "prev_url": site.link(_tag_path(lang, tag, number - 1)) if number > 1 else None,
            "next_url": site.link(_tag_path(lang, tag, number + 1)) if number < count else None,
        },
        "tag": {"id": tag, "name": listing.name, "feed_url": site.link(f"/{lang}/tags/{tag}/feed.xml")},
    }


def _feed_data(site: SitePlan, lang: str, reads: Reads, tag: str | None = None, tagged: tuple[Entry, ...] = ()) -> list[str]:
    """What a feed is made from: its newest entries as they are planned (feeds.feed_entries; for a tag, of its `tagged` entries)."""
    listed = _newest_real(tagged) if tag else feeds.feed_entries(site, lang)
    return [reads.of(lang, e.id, "feed", partial(_entry_data, e)) for e in listed]


def _newest_real(tagged: tuple[Entry, ...]) -> list[Entry]:
    """What feeds.feed_entries gives for a tag, from its entries (SitePlan.tags)."""
    listed: dict[str, Entry] = {}  # an entry listed once, should its article name the tag twice
    for entry in tagged:
        if entry.fallback_from is None:
            listed.setdefault(entry.id, entry)
    return list(listed.values())[: feeds.FEED_SIZE]


def sitemap_data(site: SitePlan, reads: Reads) -> list[str]:
    """What the sitemap is made from: each entry's URL, alternates, dates and tags (by entry, as digests)."""
    return reads.listed("sitemap.xml", "sitemap", [(code, e) for code in site.config.locales for e in site.entries[code]], _sitemap_line)


def _sitemap_line(code: str, e: Entry) -> tuple[Any, ...]:
    return (code, e.url, e.alternates, e.fallback_from, str(e.article.date), str(e.article.publish_at), e.article.tags)


def _entry_data(entry: Entry) -> tuple[Any, ...]:
    article = entry.article
    fields = (article.title, article.summary, article.author, article.tags, str(article.date), str(article.publish_at))
    return (entry.id, entry.lang, entry.url, entry.alternates, entry.body.key, *fields)


def choice_context(site: SitePlan) -> dict[str, Any]:
    source = site.config.source_locale
    homes = tuple((code, f"/{code}/") for code in site.config.locales) + (("x-default", "/"),)
    return {
        "site": site_context(site, source, {code: f"/{code}/" for code in site.config.locales}),
        "page": page_context(site, source, site.config.title.get(source) or site.config.base_url, "/", homes),
        "titles": {code: site.config.title.get(code) or site.config.base_url for code in site.config.locales},
    }


def theme_assets(common: str) -> list[Output]:
    assets = PACKAGE / "theme/static"
    made = [Output(f"assets/{item.name}", common, item.read_bytes) for item in assets.iterdir() if item.is_file()]
    return [*made, Output("assets/highlight.css", common, highlight.stylesheet)]


def static_outputs(root: Path) -> list[Output]:
    """The site's static/ files as they are (they may override the theme's assets); what the path policy refuses stops the build."""
    outputs, refused = [], []
    for rel, why in sitepaths.walk(root, STATIC_DIR):
        if why:
            refused.append(Diagnostic.make("path-unsafe", rel, 1, 1, why))
            continue
        real = sitepaths.resolve_inside(root, rel)
        if real is None:
            continue
        st = real.stat()
        name = rel[len(STATIC_DIR) + 1 :]
        outputs.append(Output(name, key("static", name, st.st_size, st.st_mtime_ns, st.st_ino), partial(sitepaths.read_bytes, root, rel)))
    if refused:
        raise ContentError("static/ has files the tool may not read; nothing was built", tuple(refused))
    return outputs
