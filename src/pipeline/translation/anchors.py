"""Section ids that hold across languages, and the check that every `#fragment` a link names exists on its page.

A translation's heading gets the id of the source heading at the same position (the fingerprint
pairs sections the same way), so `volunteering.md#avoiding-burnout` lands on the same section in
every language; an id the author wrote (`## Heading {#id}`) is kept as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import unquote

from pipeline.content.checks import SiteIndex, did_you_mean, linked_page
from pipeline.content.markdown import PAGE_IDS, Body, Heading
from pipeline.diagnostics import Diagnostic

SHOWN_IDS = 8  # how many of a page's ids a message lists
TOP = "top"  # `#top` goes to the top of any page (HTML)


def aligned(source: Body | None, own: Body) -> tuple[str, ...]:
    """The ids of `own`'s headings on its page: the source's by position, its own explicit ones, its own slugs past the source's."""
    return aligned_headings(source.headings if source is not None else (), own.headings)


def aligned_headings(source: Sequence[Heading], own: Sequence[Heading]) -> tuple[str, ...]:
    """`aligned` from the two bodies' headings."""
    theirs = [h.anchor for h in source]
    found: list[str] = []
    seen: set[str] = set(PAGE_IDS)
    for number, heading in enumerate(own):
        wanted = heading.anchor if heading.explicit or number >= len(theirs) else theirs[number]
        unique, count = wanted, 1
        while unique in seen:
            count += 1
            unique = f"{wanted}-{count}"
        seen.add(unique)
        found.append(unique)
    return tuple(found)


class PageIds:
    """The ids of every article page of the site, by (locale, id): its headings' (aligned) and its footnotes'."""

    def __init__(self, bodies: Mapping[tuple[str, str], Body], source_locale: str) -> None:
        self._bodies = bodies
        self._source = source_locale
        self._made: dict[tuple[str, str], tuple[str, ...] | None] = {}

    def of(self, key: tuple[str, str]) -> tuple[str, ...] | None:
        """The ids of the page `key`; a page shown as its source (a fallback) has the source's; None: no such article."""
        if key not in self._made:
            own = self._bodies.get(key)
            source = self._bodies.get((self._source, key[1]))
            if own is None and source is None:
                self._made[key] = None
            elif own is None or key[0] == self._source:
                body = own or source
                assert body is not None
                self._made[key] = tuple(h.anchor for h in body.headings) + body.ids
            else:
                self._made[key] = aligned(source, own) + own.ids
        return self._made[key]

    def taken_from_source(self, key: tuple[str, str]) -> dict[str, tuple[str, str]]:
        """On a translation's page `key`: the id each of its headings' own words would make -> (the heading, the id it
        has on the page, its source's), where the two differ: a link a translator wrote from the words they see."""
        own = self._bodies.get(key)
        if own is None or key[0] == self._source:
            return {}
        ids = self.of(key) or ()
        return {h.anchor: (h.text, page_id) for h, page_id in zip(own.headings, ids) if not h.explicit and h.anchor != page_id}


def check_fragments(files: Iterable[tuple[str, str, str]], bodies: Mapping[str, Body], index: SiteIndex) -> list[Diagnostic]:
    """Every link whose `#fragment` names no id on the page it leads to; `files` are (path, locale, id) of the articles."""
    listed = [(path, lang, article_id) for path, lang, article_id in files if path in bodies]
    ids = page_ids(listed, bodies, index.source_locale)
    return [d for path, lang, _ in listed for d in file_fragments(path, lang, bodies[path], ids, index)[0]]


def page_ids(listed: Iterable[tuple[str, str, str]], bodies: Mapping[str, Body], source_locale: str) -> PageIds:
    """The ids of the pages of the articles `listed` as (path, locale, id), each with a body in `bodies`."""
    return PageIds({(lang, article_id): bodies[path] for path, lang, article_id in listed}, source_locale)


def file_fragments(
    path: str, lang: str, body: Body, ids: PageIds, index: SiteIndex
) -> tuple[list[Diagnostic], tuple[tuple[str, str], ...]]:
    """The links of one body whose `#fragment` names no id on their page, and the pages (locale, id) whose ids were looked at."""
    found = []
    pages: list[tuple[str, str]] = []
    for ref in body.refs:
        if ref.kind != "link" or "#" not in ref.target:
            continue
        fragment = unquote(ref.target.partition("#")[2])
        page = linked_page(path, lang, ref.target, index)
        looked = page is not None and fragment and fragment != TOP and fragment not in PAGE_IDS
        if looked and page is not None and page not in pages:
            pages.append(page)
        existing = ids.of(page) if looked and page is not None else None
        if existing is None or fragment in existing:
            continue
        where = "this page" if ref.target.startswith("#") else f"/{page[0]}/{page[1]}/" if page else ""
        hint = _source_id(ref.target, ids.taken_from_source(page).get(fragment) if page else None) or did_you_mean(fragment, existing)
        shown = ", ".join(existing[:SHOWN_IDS]) + (", …" if len(existing) > SHOWN_IDS else "")
        listing = f"its sections: {shown}" if existing else "it has no sections"
        message = f"link target '{ref.target}': no section '{fragment}' on {where}; " + (f"{hint} " if hint else "") + f"({listing})"
        found.append(Diagnostic.make("link-anchor", path, ref.line, ref.column, message))
    return found, tuple(pages)


def _source_id(target: str, meant: tuple[str, str] | None) -> str:
    """What to write instead of a link to a translation's heading by the id of its own words (`meant`: the heading, its id)."""
    if meant is None:
        return ""
    heading, page_id = meant
    return (
        f"its heading '{heading}' has the id '{page_id}', its source heading's (a translation's headings keep their "
        f"source's ids): link to '{target.partition('#')[0]}#{page_id}'"
    )
