"""What each locale publishes: its articles with policies applied (drafts, schedule, fallbacks), URLs and body HTML."""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from types import MappingProxyType
from urllib.parse import unquote, urlsplit

from pipeline.config.site import SiteConfig
from pipeline.content.aliases import alias_key, alias_targets
from pipeline.content.articles import Article
from pipeline.content.markdown import Body, Heading, reanchor, render_trusted, scan
from pipeline.content.sources import text_digest
from pipeline.render import sanitize
from pipeline.render.bidi import isolate_html, isolate_plain, other_lang
from pipeline.render.highlight import highlight_code
from pipeline.render.images import sized
from pipeline.render.l10n import reading_minutes
from pipeline.translation.anchors import aligned, aligned_headings
from pipeline.translation.states import DRAFT, STALE, PairState, describe
from pipeline.validate import Validation


class PageBody:
    """An entry's finished body HTML, made when it is used (only pages that are written use it, and keeping every
    one would hold the whole site's HTML in memory); `key` says what it is made from.

    The last body made in a process is kept until another is made: an entry's page and its API document, made one
    after the other, make it once."""

    __slots__ = ("_make", "key")
    _last: tuple[PageBody, str] | None = None  # the body last made in this process, and its text

    def __init__(self, key: str, make: Callable[[], str]) -> None:
        self.key = key
        self._make = make

    @property
    def text(self) -> str:
        last = PageBody._last
        if last is not None and last[0] is self:
            return last[1]
        made = self._make()
        PageBody._last = (self, made)
        return made

    def __html__(self) -> str:  # markupsafe and Jinja: already markup
        return self.text

    def __str__(self) -> str:
        return self.text


PackedWords = tuple[str, bytes]  # an article's search words and their weights, packed (search.packed)
PlannedFrom = tuple[Article, PairState | None, tuple[str, int, tuple[str, ...]]]  # an entry's article, state, body (digest, minutes, links)


@dataclass(frozen=True, slots=True)
class Prepared:
    """An article's body HTML, bidi-isolated, before its links are rewritten: by digest and how to get it back."""

    digest: str  # of the HTML
    minutes: int  # reading time
    links: tuple[str, ...]  # ids of the articles its links lead to, in order
    load: Callable[[], str]
    words: PackedWords | None = None  # its article's search words, when they were counted with it


_ATTR = re.compile(r'(href|src)="([^"]*)"')
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//|^#")


@dataclass(frozen=True, slots=True)
class Entry:
    """One article page as one locale publishes it."""

    id: str
    lang: str  # the page's locale
    article: Article  # what is shown: the translation, or the source article for a fallback
    fallback_from: str | None  # the language shown instead of `lang`, for a fallback
    state: str  # "source", or the translation's state (ok, stale, unverified, missing for a fallback)
    stale: bool  # show the stale notice
    body: PageBody  # the body: links to site URLs, bidi-isolated for its direction; made when first needed
    url: str  # site path, e.g. /he/volunteering/
    alternates: tuple[tuple[str, str], ...]  # (hreflang, site path) of every real version, and x-default
    reading_minutes: int
    words: PackedWords | None = None  # its article's search words (search.packed), when they were counted with its body

    @property
    def html(self) -> str:
        """The finished body HTML."""
        return self.body.text

    @property
    def canonical(self) -> str:
        """A fallback's canonical is the original it shows; every other page is its own."""
        return next((url for lang, url in self.alternates if lang == self.fallback_from), self.url) if self.fallback_from else self.url


@dataclass(frozen=True, slots=True)
class SitePlan:
    """Every locale's entries, newest first; the input to every renderer."""

    config: SiteConfig
    base_path: str  # "/" or "/blog/": where the site lives under its host
    entries: Mapping[str, tuple[Entry, ...]]
    held: tuple[tuple[str, str, str], ...] = ()  # (lang, id, why) of translations a gate kept back
    images: Mapping[str, tuple[int, int]] = field(default_factory=lambda: MappingProxyType({}))  # static/ path -> width, height
    context: str = ""  # a digest of what every entry is planned from besides its own article (_context): "" when not known
    planned_from: Mapping[tuple[str, str], PlannedFrom] = field(default_factory=lambda: MappingProxyType({}))  # (lang, id) -> its own part

    def link(self, path: str) -> str:
        """A site path ("/he/x/") as a link from any page: under the base path."""
        return self.base_path + path.lstrip("/")

    def absolute(self, path: str) -> str:
        """A site path as an absolute URL on the site's host, for canonicals, feeds and sitemaps."""
        return self.config.base_url + path.lstrip("/")

    def tags(self, lang: str) -> dict[str, tuple[Entry, ...]]:
        """Tag id -> the locale's entries with that tag, newest first, tags sorted by id."""
        found: dict[str, list[Entry]] = {}
        for entry in self.entries[lang]:
            for tag in entry.article.tags:
                found.setdefault(tag, []).append(entry)
        return {tag: tuple(found[tag]) for tag in sorted(found)}


def plan(
    result: Validation, now: datetime, drafts: bool = False, bodies: Mapping[str, Prepared] | None = None, last: SitePlan | None = None
) -> SitePlan:
    """Choose what each locale publishes at `now`, and finish each page's body.

    `bodies` has articles' bodies already prepared (`prepare_body`), by path; the rest are prepared here.
    `last` is this process's last plan of the site (`serve`): where every entry's context and an entry's own
    article (the same object), state and prepared body are unchanged, its Entry is the last plan's (the same object).
    """
    bodies = bodies or {}
    config = result.config
    source = config.source_locale
    live = {a.id: a for a in result.articles if a.lang == source and _is_live(a, now, drafts)}
    states = {(s.lang, s.id): s for s in result.states}
    chosen: dict[str, list[tuple[Article, PairState | None]]] = {source: [(a, None) for a in live.values()]}
    held = []
    for lang in config.translations:
        chosen[lang] = []
        for article_id, original in live.items():
            translation = result.article(lang, article_id)
            state = states.get((lang, article_id))
            if translation is not None and state is not None and state.state == STALE and config.locales[lang].stale_publish == "hold":
                held.append((lang, article_id, f"its translation is stale: {describe(state.changes)}"))
                translation = None
            if translation is not None and state is not None and state.state == DRAFT:
                held.append((lang, article_id, f"its translation is a draft: {state.words_left} of {state.words} words still the source's"))
                translation = None
            if translation is not None:
                chosen[lang].append((translation, state))
            elif config.locales[lang].untranslated == "fallback":
                chosen[lang].append((original, state))
    published = {lang: {a.id for a, _ in items} for lang, items in chosen.items()}
    real = {lang: {a.id for a, _ in items if a.lang == lang} for lang, items in chosen.items()}
    base_path = urlsplit(config.base_url).path or "/"
    aliases = alias_targets(result.articles, source)
    alias_leads = {lang: _alias_leads(aliases, published.get(lang, set())) for lang in chosen}
    sizes_key = text_digest(repr(sorted(result.images.items())))  # bodies give their images these sizes
    context = _context(published, real, aliases, base_path, sizes_key)
    captions = {code: _caption(config, code) for code in config.locales}  # one for each article's language, shared by its entries
    reusable: Mapping[tuple[str, str], PlannedFrom] = {}
    kept: dict[tuple[str, str], Entry] = {}
    if last is not None and last.context == context and last.config == config:
        reusable, kept = last.planned_from, {(e.lang, e.id): e for listed in last.entries.values() for e in listed}
    planned_from: dict[tuple[str, str], PlannedFrom] = {}
    entries = {}
    for lang, items in chosen.items():
        made = []
        for article, state in items:
            prepared = bodies.get(article.path)
            own = (article, state, (prepared.digest, prepared.minutes, prepared.links)) if prepared is not None else None
            was = reusable.get((lang, article.id))
            if own is not None and was is not None and _same(was, own):
                made.append(kept[(lang, article.id)])
            else:
                made.append(
                    _entry(
                        result,
                        lang,
                        article,
                        state,
                        (published, real, aliases, alias_leads[lang]),
                        base_path,
                        bodies,
                        (sizes_key, captions),
                    )
                )
            if own is not None:
                planned_from[(lang, article.id)] = own
        entries[lang] = tuple(sorted(made, key=lambda e: (e.article.date, e.id), reverse=True))
    return SitePlan(config, base_path, MappingProxyType(entries), tuple(held), result.images, context, MappingProxyType(planned_from))


def _context(published: dict[str, set[str]], real: dict[str, set[str]], aliases: Mapping[str, str], base_path: str, sizes_key: str) -> str:
    """A digest of what every entry is planned from besides its own article, state and body: what each locale publishes
    (and in its own language), the aliases, the base path and the images' sizes."""
    lists = "\n".join(f"{lang}:{' '.join(sorted(published[lang]))}:{' '.join(sorted(real[lang]))}" for lang in sorted(published))
    return text_digest(f"{lists}\0{sorted(aliases.items())}\0{base_path}\0{sizes_key}")


def _same(was: PlannedFrom, now: PlannedFrom) -> bool:
    """Whether an entry's own part is unchanged: the same Article object (validate keeps an unchanged file's), state and body."""
    return was[0] is now[0] and was[1] == now[1] and was[2] == now[2]


def _is_live(article: Article, now: datetime, drafts: bool) -> bool:
    if article.draft and not drafts:
        return False
    return article.publish_at is None or article.publish_at <= now


def _entry(
    result: Validation,
    lang: str,
    article: Article,
    state: PairState | None,
    chosen: tuple[dict[str, set[str]], dict[str, set[str]], Mapping[str, str], str],
    base_path: str,
    bodies: Mapping[str, Prepared],
    images: tuple[str, Mapping[str, Callable[[str], str]]],
) -> Entry:
    """`chosen`: the ids each locale publishes, those it publishes in its own language, the aliases (old path -> id), and what
    links to those lead to from this locale (_alias_leads); `images`: a digest of the images' sizes, and how an image's caption
    is isolated in an article of each language (_caption)."""
    sizes_key, captions = images
    published, real, aliases, alias_leads = chosen
    config = result.config
    fallback = article.lang if article.lang != lang else None
    prepared = bodies.get(article.path)
    if prepared is None:
        html_text, minutes, links = prepare_body(result, article)
        prepared = Prepared(text_digest(html_text), minutes, links, lambda: html_text)
    leads = tuple(target in published.get(lang, ()) for target in prepared.links)  # where its article links lead
    key = text_digest(f"{prepared.digest}\0{lang}\0{base_path}\0{leads}\0{sizes_key}{alias_leads}")
    place = partial(sized, path=article.path, sizes=result.images, eager_first=article.image is None, caption=captions[article.lang])
    finish = partial(
        _finish, prepared.load, place, article.path, lang, config.source_locale, (published, aliases), base_path, config.allow_raw_html
    )
    alternates = [(code, f"/{code}/{article.id}/") for code in config.locales if article.id in real.get(code, ())]
    if article.id in real.get(config.source_locale, ()):
        alternates.append(("x-default", f"/{config.source_locale}/{article.id}/"))
    label = "source" if state is None else state.state
    stale = state is not None and state.state == STALE and config.locales[lang].stale_notice and fallback is None
    return Entry(
        id=article.id,
        lang=lang,
        article=article,
        fallback_from=fallback,
        state=label,
        stale=stale,
        body=PageBody(key, finish),
        url=f"/{lang}/{article.id}/",
        alternates=tuple(alternates),
        reading_minutes=prepared.minutes,
        words=prepared.words,
    )


@dataclass(frozen=True, slots=True)
class BodySource:
    """What an article's prepared body is made from, apart from the rest of the site: its settings, the article, the body's
    HTML as validation scanned it (None: scanned again from the article), its headings and the ids they get on the page."""

    config: SiteConfig
    article: Article
    html: str | None
    body: Body | None  # its links and headings, without its HTML; None: the article has no parsed body
    source_body: Body | None  # a translation's source's, whose headings' ids its own take (anchors.aligned); None for a source

    @property
    def headings(self) -> tuple[Heading, ...] | None:
        """The article's headings (made from a recalled body only now: most kept bodies are never made again)."""
        return self.body.headings if self.body is not None else None

    @property
    def theirs(self) -> tuple[Heading, ...]:
        return self.source_body.headings if self.source_body is not None else ()

    @property
    def anchors(self) -> tuple[str, ...]:
        """The ids the headings get on the page (`section_ids`), worked out when the body is made."""
        return aligned_headings(self.theirs, self.headings) if self.headings is not None else ()


def body_source(result: Validation, article: Article, html: bool = True) -> BodySource:
    """What `prepare_body` makes an article's body from; without `html` (what a build keeps in case it must make the body
    again), the scanned HTML is left out and the bodies are unmade (both are made again if needed)."""
    own = result.bodies.get(article.path)
    if own is None:
        return BodySource(result.config, article, None, None, None)
    source = result.article(result.config.source_locale, article.id) if article.lang != result.config.source_locale else None
    theirs = result.bodies.get(source.path) if source is not None else None
    if not html:  # kept for later, and seldom used: holding none of what was made of the bodies
        return BodySource(result.config, article, None, own.unmade(), theirs.unmade() if theirs is not None else None)
    return BodySource(result.config, article, own.html, own.without_html(), theirs.without_html() if theirs is not None else None)


def prepare_body(result: Validation, article: Article) -> tuple[str, int, tuple[str, ...]]:
    """An article's body HTML bidi-isolated for its direction (links are rewritten per page later: isolation
    leaves tags as they are), its reading time, and the ids of the articles it links to."""
    return prepare_from(body_source(result, article))


def prepare_from(source: BodySource) -> tuple[str, int, tuple[str, ...]]:
    """`prepare_body` from what it is made of (body_source)."""
    config, article = source.config, source.article
    raw: str | None
    if config.allow_raw_html:
        raw = render_trusted(article.body)
    else:
        raw = source.html
        if raw is None:  # a body from the build cache, whose HTML was not kept
            raw = scan(article.body, article.body_line).html or ""
    if source.headings is not None and source.anchors != tuple(h.anchor for h in source.headings):
        raw = reanchor(raw, source.headings, source.anchors)
    direction = config.locales[article.lang].direction
    isolated = isolate_html(highlight_code(raw), direction, other_lang(_directions(config), direction))
    return isolated, reading_minutes(article.body), linked_articles(isolated, article.path)


def _caption(config: SiteConfig, lang: str) -> Callable[[str], str]:
    """How an image's caption is isolated in an article written in `lang`."""
    direction = config.locales[lang].direction
    return partial(isolate_plain, direction=direction, other_lang=other_lang(_directions(config), direction))


def _directions(config: SiteConfig) -> dict[str, str]:
    return {code: locale.direction for code, locale in config.locales.items()}


def section_ids(result: Validation, article: Article) -> tuple[Body | None, tuple[str, ...]]:
    """An article's parsed body and the ids its headings get on the page: a translation's are its source's (see anchors.py)."""
    own = result.bodies.get(article.path)
    if own is None:
        return None, ()
    source = result.article(result.config.source_locale, article.id) if article.lang != result.config.source_locale else None
    return own, aligned(result.bodies.get(source.path) if source is not None else None, own)


def linked_articles(markup: str, path: str) -> tuple[str, ...]:
    """The ids of the articles the links of `markup` (in the file at `path`) lead to: what rewriting them depends on."""
    found = []
    for match in _ATTR.finditer(markup):
        value = html.unescape(match.group(2))
        if value and not _SCHEME.match(value) and not value.startswith("/"):
            joined = _joined(path, value.partition("#")[0])
            if joined.startswith("content/") and joined.endswith((".md", ".markdown")):
                found.append(posixpath.splitext(posixpath.basename(joined))[0])
    return tuple(found)


def _alias_leads(aliases: Mapping[str, str], published: set[str]) -> str:
    """What rewriting links to aliases depends on (nothing for a site without aliases): each alias, its article, whether the locale has it."""
    if not aliases:
        return ""
    return "\0" + text_digest("".join(f"{alias}>{target}:{target in published}\n" for alias, target in sorted(aliases.items())))


def _finish(
    load: Callable[[], str],
    place: Callable[[str], str],
    path: str,
    lang: str,
    source: str,
    links: tuple[dict[str, set[str]], Mapping[str, str]],
    base_path: str,
    raw_html: bool,
) -> str:
    """The page's body: images sized, links rewritten, then (where the site allows raw HTML) sanitized, last, so no rewrite can undo it."""
    markup = _rewrite_links(place(load()), path, lang, source, links, base_path)
    return sanitize.clean(markup) if raw_html else markup


def _joined(path: str, target: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(path), unquote(target)))


def _rewrite_links(
    markup: str, path: str, lang: str, source: str, links: tuple[dict[str, set[str]], Mapping[str, str]], base_path: str
) -> str:
    """Links to article files and to article aliases (`/docs/faq/`) become page URLs in the page's locale; site paths get the base path."""
    published, aliases = links

    def rewrite(match: re.Match[str]) -> str:
        attribute, value = match.group(1), html.unescape(match.group(2))
        if not value or _SCHEME.match(value):
            return match.group()
        target, _, fragment = value.partition("#")
        if target.startswith("/") and aliases and alias_key(target) in aliases:
            article_id = aliases[alias_key(target)]
            url = f"{base_path}{lang if article_id in published.get(lang, ()) else source}/{article_id}/"
        elif target.startswith("/"):
            url = base_path + target.lstrip("/")
        else:
            joined = _joined(path, target)
            url = _article_url(joined, lang, source, published, base_path) or base_path + joined.removeprefix("static/")
        return f'{attribute}="{html.escape(url + ("#" + fragment if fragment else ""))}"'

    return _ATTR.sub(rewrite, markup)


def _article_url(joined: str, lang: str, source: str, published: dict[str, set[str]], base_path: str) -> str | None:
    if not (joined.startswith("content/") and joined.endswith((".md", ".markdown"))):
        return None
    article_id = posixpath.splitext(posixpath.basename(joined))[0]
    target_lang = lang if article_id in published.get(lang, ()) else source
    return f"{base_path}{target_lang}/{article_id}/"
