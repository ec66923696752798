"""The checks across files, one unit each (a file against the site, an article id's translations, a file's #fragments), recalled by key."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pipeline.config.site import SiteConfig
from pipeline.content import checks
from pipeline.content.articles import Article
from pipeline.content.fingerprint import Fingerprint
from pipeline.content.markdown import Body
from pipeline.content.perfile import Studied
from pipeline.content.sources import SourceFile
from pipeline.diagnostics import Diagnostic
from pipeline.memo.plain import diagnostics_from, diagnostics_to, key, states_from, states_to
from pipeline.memo.state import Ledger
from pipeline.translation import anchors, pairing, states, structure
from pipeline.translation.pairing import TranslationSet
from pipeline.translation.states import PairState

IdResult = tuple[tuple[PairState, ...], list[Diagnostic]]


def site_key(index: checks.SiteIndex, config: SiteConfig) -> str:
    """What a file's checks against the site depend on besides its text: what links may point at, raw HTML, the declared tags."""
    return key(
        "\n".join(sorted(index.content)),
        "\n".join(sorted(index.static)),
        "\n".join(sorted(index.aliases)),
        ",".join(index.locales),
        index.source_locale,
        str(config.allow_raw_html),
        "\n".join(config.tags),  # in their order: a hint picks the first of equally close tags
        "\n".join(f"{code}={name}" for names in config.tags.values() for code, name in names.items()),  # a hint names a tag by its name
    )


def file_checks(
    ledger: Ledger, file: SourceFile, digest: str, result: Studied, index: checks.SiteIndex, site: str, config: SiteConfig
) -> list[Diagnostic]:
    """One file's links, images, raw HTML, tags and cover image against the site, from the memo while its text and `site` hold."""

    def make() -> list[Diagnostic]:
        found = []
        if result.body is not None:
            found += checks.check_body(file.path, file.lang, result.body, index, config)
            if config.allow_raw_html and result.parsed.body is not None and not any(d.code == "html-unsafe" for d in found):
                found += checks.check_trusted(file.path, result.parsed.body, result.parsed.body_line)
        if result.parsed.front is not None:
            found += checks.check_front_matter(file.path, file.lang, result.parsed.front, index, config)
        return found

    return ledger.recall(f"file:{file.path}", f"{digest}:{site}", make, diagnostics_to, diagnostics_from)


def pair_settings(config: SiteConfig, shared: tuple[str, ...]) -> str:
    """What an article id's translation checks depend on besides its files' texts."""
    return key(config.source_locale, ",".join(config.translations), "\n".join(shared))


def id_checks(
    ledger: Ledger,
    files: Sequence[SourceFile],
    digests: Mapping[str, str],
    settings: str,
    articles: Mapping[tuple[str, str], Article],
    prints: Mapping[tuple[str, str], Fingerprint],
    bodies: Mapping[str, Body],
    found_set: TranslationSet | None,
    config: SiteConfig,
    shared: tuple[str, ...],
) -> IdResult:
    """One article id's translation states, shared fields and structure against its source, from the memo while its files hold."""

    def make() -> IdResult:
        own = {(f.lang, f.id): prints[(f.lang, f.id)].materialized() for f in files if (f.lang, f.id) in prints}
        made = states.id_states(list(files), articles, own, config)
        sets = (found_set,) if found_set is not None else ()
        diagnostics = pairing.check_shared(sets, shared, config.source_locale)
        for source, article in pairing.pairs(sets, config.source_locale):
            diagnostics += structure.check(source, bodies[source.path], article, bodies[article.path])
            diagnostics += structure.untranslated(source, own[(config.source_locale, source.id)], article, own[(article.lang, article.id)])
        return made, diagnostics

    made_from = key(settings, *(f"{f.path}\0{digests[f.path]}" for f in files))
    return ledger.recall(f"id:{files[0].id}", made_from, make, _id_to, id_from)


def _id_to(result: IdResult) -> tuple[Any, Any]:
    return states_to(result[0]), diagnostics_to(result[1])


def id_from(plain: Any) -> IdResult:
    """An id's result from its plain form (_id_to); Unusable, TypeError or ValueError for anything else."""
    made, found = plain
    return states_from(made), diagnostics_from(found)


def id_problems(ledger: Ledger, files: Sequence[SourceFile], same_paths: bool = False) -> list[Diagnostic]:
    """Invalid, reserved and duplicate ids (they depend on the files' paths only: carried when they are the same)."""
    held = ledger.held("ids", diagnostics_from) if same_paths else None
    if held is not None:
        return list(held)
    return ledger.recall("ids", key(*(f.path for f in files)), lambda: pairing.check_ids(list(files)), diagnostics_to, diagnostics_from)


def fragment_checks(
    ledger: Ledger,
    files: Sequence[SourceFile],
    digests: Mapping[str, str],
    bodies: Mapping[str, Body],
    index: checks.SiteIndex,
    rules: str,
    delta: frozenset[str] | None = None,
) -> list[Diagnostic]:
    """Every link whose #fragment names no id on its page; a file's from the memo while its text and those of the pages it looks at hold.

    With `delta` (the paths changed since the last validate, nothing else having changed), a file's findings are carried
    when neither it nor any page it looked at changed (a page is looked at by its article id, in its language and the source's)."""
    changed_ids = {f.id for f in files if delta is not None and f.path in delta}
    listed = [(f.path, f.lang, f.id) for f in files if f.path in bodies]
    linking = [item for item in listed if bodies[item[0]].links_to_fragment()]
    of_page: dict[tuple[str, str], list[str]] = {}
    for path, lang, article_id in listed:
        of_page.setdefault((lang, article_id), []).append(f"{path}\0{digests[path]}")
    ids = anchors.page_ids(listed, bodies, index.source_locale)
    base = key(rules, ",".join(index.locales), index.source_locale)

    def pages_key(pages: tuple[tuple[str, str], ...]) -> str:
        source = index.source_locale
        return key(
            *(
                part
                for lang, article_id in pages
                for part in (*of_page.get((lang, article_id), ()), "|", *of_page.get((source, article_id), ()), "/")
            )
        )

    found: list[Diagnostic] = []
    for path, lang, _ in linking:  # the others have no fragment to check
        name, own = f"fragments:{path}", f"{base}:{digests[path]}"
        carried = _carried_fragments(ledger, name, path, delta, changed_ids)
        if carried is not None:
            found += carried
            continue
        recalled = _recalled_fragments(ledger, name, own, pages_key)
        if recalled is None:
            recalled, pages = anchors.file_fragments(path, lang, bodies[path], ids, index)
            ledger.keep(name, key(own, pages_key(pages)), (recalled, pages), (pages, diagnostics_to(recalled)))
        found += recalled
    return found


def _carried_fragments(
    ledger: Ledger, name: str, path: str, delta: frozenset[str] | None, changed_ids: set[str]
) -> list[Diagnostic] | None:
    """A file's fragment findings carried from the last validate (`Ledger.carry`), when it and every page it looked at are unchanged."""
    if delta is None or path in delta:
        return None
    held = ledger.held(name, _fragments_from)
    if held is None or any(article_id in changed_ids for _, article_id in held[1]):
        return None
    return list(held[0])


def _fragments_from(plain: Any) -> tuple[list[Diagnostic], tuple[tuple[str, str], ...]]:
    """A file's fragment findings and the pages they looked at, from their plain form (fragment_checks keeps it)."""
    listed, found = plain
    pages = tuple((lang, article_id) for lang, article_id in listed)
    if not all(isinstance(part, str) for page in pages for part in page):
        raise ValueError(listed)
    return diagnostics_from(found), pages


def _recalled_fragments(
    ledger: Ledger, name: str, own: str, pages_key: Callable[[tuple[tuple[str, str], ...]], str]
) -> list[Diagnostic] | None:
    """A file's fragment findings from the memo, when its text and the pages its links looked at are unchanged; else None."""
    last = ledger.memo.units.get(name)
    if last is None:
        return None
    try:
        listed, plain = last[1]
        pages = tuple((lang, article_id) for lang, article_id in listed)
        if not all(isinstance(part, str) for page in pages for part in page) or last[0] != key(own, pages_key(pages)):
            return None
        held = ledger.memo.objects.get(name)
        found: list[Diagnostic] = held[1][0] if held is not None and held[0] == last[0] else diagnostics_from(plain)
    except (TypeError, ValueError):
        return None
    ledger.keep(name, last[0], (found, pages), last[1], redone=False)
    return found
