"""The build: validate (refuse on errors), prepare the bodies, plan the site, and describe every output (outputs.py) with its key."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import MappingProxyType

from pipeline import __version__, sitepaths, workers
from pipeline.build import bodystore, cache, keys
from pipeline.build.depmap import DepMap
from pipeline.build.outputs import Output, described
from pipeline.build.reads import Since
from pipeline.content.articles import Article
from pipeline.content.perfile import FileRecords
from pipeline.content.sources import text_digest
from pipeline.diagnostics import Diagnostic
from pipeline.errors import ContentError
from pipeline.memo.state import Memo
from pipeline.render import search
from pipeline.render.siteplan import BodySource, PackedWords, Prepared, body_source, plan, prepare_body, prepare_from, section_ids
from pipeline.render.theme import Theme
from pipeline.validate import Validation, validate

Kept = tuple[str, bodystore.Stored, int, tuple[str, ...]]  # a prepared body in the cache: (what it was made from, where, minutes, links)
Reused = tuple[Article, Article | None, Prepared, Kept | None]  # an article, its source, its prepared body and how the cache keeps it


@dataclass(frozen=True, slots=True)
class Bodies:
    """A build's prepared bodies by article path, for this process's next build: under the same scope (the Keys') and
    store, an article that is the same object, with the same source object, has the same body."""

    scope: str
    store: Path | None
    of: Mapping[str, Reused]


@dataclass(frozen=True, slots=True)
class Made:
    """A planned build: every output, the translations a gate kept back, and what the cache keeps for next time."""

    outputs: tuple[Output, ...]
    held: tuple[tuple[str, str, str], ...]
    records: FileRecords
    prepared: Mapping[str, Kept]  # article path -> its prepared body as the cache keeps it
    valid_until: datetime | None  # when a scheduled article goes live and this build is out of date
    schema_path: str  # the article schema read, relative to the root, or "(built-in)"
    keys: keys.Keys | None = None  # the digests of entries' parts, under the common key and the rules (keys.py)
    memo: Memo = field(default_factory=Memo)  # what the next validate of the site can recall
    since: Since | None = None  # for this process's next build (`serve`): the map of what the outputs are made from, the plan...
    bodies: Bodies | None = None  # ... and the prepared bodies

    @property
    def depmap(self) -> DepMap | None:
        """Which outputs are made from which parts: plain data (DepMap.to_plain, depmap.from_plain) a build cache can keep."""
        return self.since.map if self.since is not None else None


@dataclass(frozen=True, slots=True)
class Built:
    """A build: every output file by path, and the translations a gate kept back."""

    files: Mapping[str, bytes]
    held: tuple[tuple[str, str, str], ...]


def build(
    root: Path,
    now: datetime | None = None,
    drafts: bool = False,
    jobs: int = 1,
    known: FileRecords | None = None,
    prepared: Mapping[str, Kept] | None = None,
    written: tuple[Path, Mapping[str, tuple[str, int, int]]] | None = None,
) -> Built:
    """Every output file of the site at `root`, by path; `now` fixes the clock (and dates the feeds).

    `known` and `prepared` are a last build's (incremental.reuse), reused where unchanged; so is
    `written`, the folder it wrote and what it holds: an output whose key is unchanged is read from
    there instead of made again, while its file's size and modification time are those written.
    """
    made = describe(root, now, drafts, known, prepared, jobs, store=root if prepared is not None else None)
    contents = workers.run(partial(made_bytes, written), made.outputs, jobs)
    return Built(MappingProxyType({o.path: data for o, data in zip(made.outputs, contents)}), made.held)


def made_bytes(written: tuple[Path, Mapping[str, tuple[str, int, int]]] | None, output: Output) -> bytes:
    """An output's bytes: from the folder a build wrote when it holds them unchanged, else made."""
    last = written[1].get(output.path) if written is not None else None
    if written is not None and last is not None and last[0] == output.key:
        data = _written_file(written[0] / output.path, last[1], last[2])
        if data is not None:
            return data
    return output.make()


def _written_file(path: Path, size: int, mtime: int) -> bytes | None:
    """A file's bytes when it is a plain file (not reached through a link at its end) of that size and time, else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode) or (st.st_size, st.st_mtime_ns) != (size, mtime):
            return None
        data = handle.read()
    return data if len(data) == size else None


def describe(
    root: Path,
    now: datetime | None = None,
    drafts: bool = False,
    known: FileRecords | None = None,
    prepared: Mapping[str, Kept] | None = None,
    jobs: int = 1,
    store: Path | None = None,
    last: Made | None = None,
    memo: Memo | None = None,
    since: Since | None = None,
) -> Made:
    """Validate and plan the site, and describe its outputs; `known` and `prepared` are the last build's, reused where unchanged.

    `store` is where prepared bodies are kept (the site root, for its build cache); None keeps them in memory.
    `last` is this process's last build of the site (`serve`): its digests are reused while what they are
    made from is unchanged (the compiled templates are kept by render/theme.py).
    `memo` is the last validate's (`Made.memo`).
    `since` is a last build's map when there is no `last` (the command line's, from the build cache: incremental.py).
    """
    result = validate(root, known, jobs, memo)
    if result.errors:
        count = len(result.errors)
        raise ContentError(f"the content has {count} error{'' if count == 1 else 's'}; nothing was built", result.errors)
    moment = now or datetime.now(UTC)
    site_key = _site_key(root)
    common = _common_key(site_key, now, drafts)
    digests = keys.within(last.keys if last is not None else None, f"{common}:{result.records.rules}")
    bodies, kept, reusable = _prepare(result, prepared or {}, store, jobs, digests, last.bodies if last is not None else None)
    bodystore.close()
    site = plan(result, moment, drafts, bodies, last.since.site if last is not None and last.since is not None else None)
    folder = cache.templates_folder() if store is not None else None  # compiled templates kept along with the build cache
    theme = Theme(site, (folder, site_key) if folder is not None else None)  # the process's environments, while the same
    done = described(site, theme, result, root, now, common, store, digests, last.since if last is not None else since)
    digests.settle(done.whole)
    scheduled = [a.publish_at for a in result.articles if a.publish_at is not None and a.publish_at > moment]
    unique = tuple({o.path: o for o in done.outputs}.values())  # a static/ file replaces a theme asset of the same name
    return Made(
        unique,
        site.held,
        result.records,
        MappingProxyType(kept),
        min(scheduled, default=None),
        site.config.schema_path,
        digests,
        result.memo,
        Since(unique, done.map, site, result.fingerprints, done.lists, digests.scope),
        reusable,
    )


def _prepare(
    result: Validation,
    cached: Mapping[str, Kept],
    store: Path | None,
    jobs: int,
    digests: keys.Keys | None = None,
    last: Bodies | None = None,
) -> tuple[dict[str, Prepared], dict[str, Kept], Bodies]:
    """Every valid article's prepared body (see siteplan.Prepared): the last build's where its text and settings are unchanged.

    With a `store` (the build cache's root), bodies are kept in it and read back when a page needs
    them; without one they stay in memory. `digests` keeps what each body's key is made from (a
    body's key is made again only when its text or its source's text changed). `last` is this
    process's last build's bodies: one whose article and source are the same objects is taken as it is.
    """
    digests = digests if digests is not None else keys.Keys()
    files = result.records.files
    source = result.config.source_locale
    reusable = last.of if last is not None and last.scope == digests.scope and last.store == store else {}
    keys_by_path = {}
    originals: dict[str, Article | None] = {}
    prepared: dict[str, Prepared] = {}
    kept: dict[str, Kept] = {}
    now: dict[str, Reused] = {}
    articles = []
    for article in result.articles:
        original = result.article(source, article.id) if article.lang != source else None  # its headings' ids come from it
        was = reusable.get(article.path)
        if was is not None and was[0] is article and was[1] is original:
            prepared[article.path], now[article.path] = was[2], was
            if was[3] is not None:
                kept[article.path] = was[3]
            continue
        articles.append(article)
        originals[article.path] = original
        digest = files.get(article.path, ("",))[0]
        source_digest = files.get(original.path, ("",))[0] if original is not None else ""
        if digest and (source_digest or original is None):
            hit = cached.get(article.path)
            own = _own_key(result, article, digest)
            if hit is not None and hit[0].startswith(own) and hit[0].endswith(f"@{source_digest}"):
                keys_by_path[article.path] = hit[0]  # its text and its source's are the last build's: so are its headings' ids
            else:
                made_of = (article.path, digest, source_digest)
                keys_by_path[article.path] = digests.value("prepared", made_of, partial(_body_key, result, article, own, source_digest))
    missing = []
    for article in articles:
        key = keys_by_path.get(article.path, "")
        hit = cached.get(article.path)
        if store is not None and key and hit is not None and _same_body(hit[0], key):
            kept[article.path] = (key, *hit[1:])
            prepared[article.path] = Prepared(
                hit[1][0], hit[2], hit[3], partial(_stored, store, hit[1], body_source(result, article, html=False))
            )
        else:
            missing.append(article)
    made = workers.run(partial(_prepare_one, result, store), missing, jobs)
    for article, (where, minutes, links, text, words) in zip(missing, made):
        load = partial(_stored, store, where, body_source(result, article, html=False)) if store is not None else partial(str, text)
        prepared[article.path] = Prepared(where[0], minutes, links, load, words)
        if store is not None and keys_by_path.get(article.path):
            kept[article.path] = (keys_by_path[article.path], where, minutes, links)
    for article in articles:
        now[article.path] = (article, originals[article.path], prepared[article.path], kept.get(article.path))
    return prepared, kept, Bodies(digests.scope, store, MappingProxyType(now))


def _own_key(result: Validation, article: Article, digest: str) -> str:
    """The part of an article's body key made from the article alone: its text, its direction, whether raw HTML is allowed."""
    return f"{digest}:{result.config.locales[article.lang].direction}:{result.config.allow_raw_html}:"


def _body_key(result: Validation, article: Article, own: str, source_digest: str) -> str:
    """What an article's prepared body is made from: its own part (`_own_key`) and its headings' ids (a translation's come
    from its source), then `@` and its source's text digest (from which, with its own text, the ids are worked out)."""
    anchors = "\0".join(section_ids(result, article)[1])
    return f"{own}{text_digest(anchors)}@{source_digest}"


def _same_body(kept: str, key: str) -> bool:
    """Whether a kept body's key and an article's now make the same body: all but the source's text digest alike (a source
    edited without changing its headings' ids leaves its translation's body as it was)."""
    return kept == key or kept.rpartition("@")[0] == key.rpartition("@")[0]


def _prepare_one(
    result: Validation, store: Path | None, article: Article
) -> tuple[bodystore.Stored, int, tuple[str, ...], str | None, PackedWords]:
    """Prepare one body, and count its article's search words; with a store, keep the body there and send back only where it is."""
    text, minutes, links = prepare_body(result, article)
    words = search.packed(article)
    if store is None:
        return (text_digest(text), "", 0, 0), minutes, links, text, words
    return bodystore.save(store, text), minutes, links, None, words


def _stored(store: Path, where: bodystore.Stored, source: BodySource) -> str:
    """A prepared body from the store; made again if it went missing or was damaged (from `source` alone: a page
    keeps no reference to the whole validation, which a build lets go before it makes its outputs)."""
    text = bodystore.load(store, where)
    return text if text is not None else prepare_from(source)[0]


def _common_key(site: str, now: datetime | None, drafts: bool) -> str:
    """A digest of what every output depends on: the tool, site.yaml, templates, catalogs (`site`), and the build's options."""
    return hashlib.blake2b(f"{site}\0{now.isoformat() if now else ''}\0{drafts}".encode(), digest_size=20).hexdigest()


def _site_key(root: Path) -> str:
    """A digest of the tool, site.yaml, the templates and the catalogs: what compiling a template may depend on, and every page."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{__version__}\0".encode())
    for folder in ("templates", "locales"):
        for rel, refused in sitepaths.walk(root, folder):
            if not refused:  # the gate has reported the others
                digest.update(rel.encode() + b"\0" + sitepaths.read_bytes(root, rel) + b"\0")
    digest.update(cache.package_digest())
    digest.update(sitepaths.read_bytes(root, "site.yaml") if sitepaths.is_file(root, "site.yaml") else b"")
    return digest.hexdigest()


def template_check(result: Validation) -> list[Diagnostic]:
    """One page of each kind rendered through the site's templates, in memory (for `validate`): a template that fails is located.

    Only for a site with its own templates/ and no content errors; the theme's own templates are the tests' job."""
    if result.errors or not any(not refused for _, refused in sitepaths.walk(result.config.root, "templates")):
        return []
    bodies = _prepare(result, {}, None, 1)[0]
    site = plan(result, datetime.now(UTC), False, bodies)
    try:
        outputs = described(site, Theme(site), result, result.config.root, None, "").outputs
    except ContentError as exc:
        return list(exc.diagnostics)
    found: dict[tuple[str, int, str], Diagnostic] = {}
    for output in _one_of_each_kind(outputs, tuple(site.config.locales)):
        try:
            output.make()
        except ContentError as exc:
            found.update({(d.path, d.line, d.message): d for d in exc.diagnostics})
    return list(found.values())


def _one_of_each_kind(outputs: Iterable[Output], locales: tuple[str, ...]) -> list[Output]:
    """The first output of each kind of page: the language choice, 404s, each locale's index, an article, a tag page, a page 2."""
    kinds: dict[str, Output] = {}
    for output in outputs:
        parts = output.path.split("/")
        if not output.path.endswith(".html"):
            continue
        if parts[0] in locales and len(parts) > 2:
            kind = f"{parts[0]}/{parts[1] if parts[1] in ('tags', 'page') else 'article'}"
        else:
            kind = output.path
        kinds.setdefault(kind, output)
    return list(kinds.values())
