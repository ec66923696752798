"""The gate: load a site, run every check, and return all articles and every diagnostic at once."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from pipeline import __version__, sitepaths, workers
from pipeline.catalogs import gate
from pipeline.config.site import SiteConfig, load_config
from pipeline.content import checks, images, staticfiles
from pipeline.content import serialize as records_
from pipeline.content.aliases import alias_targets
from pipeline.content.articles import Article, FrontMatterRules, Parsed
from pipeline.content.fingerprint import Fingerprint
from pipeline.content.markdown import Body
from pipeline.content.perfile import FileRecords, Studied, study
from pipeline.content.sources import SourceFile, discover
from pipeline.diagnostics import Diagnostic
from pipeline.memo import crossfile
from pipeline.memo.plain import diagnostics_from, diagnostics_to
from pipeline.memo.plain import key as memo_key
from pipeline.memo.stamps import stamp_key
from pipeline.memo.state import Inputs, Ledger, Memo
from pipeline.translation import minor, pairing, states
from pipeline.translation.pairing import TranslationSet
from pipeline.translation.states import PairState

Known = tuple[str, Any]  # a file's text digest, and the plain record of what it gave on its own

STATIC_DIR = "static"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Validation:
    """The outcome of validating a site: its config, its valid articles and every diagnostic, sorted."""

    config: SiteConfig
    files: tuple[Parsed, ...]
    sets: tuple[TranslationSet, ...]
    states: tuple[PairState, ...]
    fingerprints: Mapping[str, Fingerprint]  # article id -> its source article's fingerprint
    bodies: Mapping[str, Body]  # path -> the parsed body of every file whose body could be found
    by_key: Mapping[tuple[str, str], Article]  # (lang, id) -> the valid article
    diagnostics: tuple[Diagnostic, ...]
    records: FileRecords = field(
        default_factory=lambda: FileRecords("", MappingProxyType({}))
    )  # what each valid file gave, for the build cache
    images: Mapping[str, tuple[int, int]] = field(default_factory=lambda: MappingProxyType({}))  # static/ path -> width, height
    memo: Memo = field(default_factory=Memo)  # what the next validate of this site can recall (memo.state.to_plain persists it)

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

    @property
    def articles(self) -> tuple[Article, ...]:
        return tuple(p.article for p in self.files if p.article is not None)

    def article(self, lang: str, article_id: str) -> Article | None:
        """The valid article `article_id` in `lang`, if there is one."""
        return self.by_key.get((lang, article_id))

    def about(self, path: str) -> tuple[Diagnostic, ...]:
        """The diagnostics of one file."""
        return tuple(d for d in self.diagnostics if d.path == path)


def validate(root: Path, known: FileRecords | None = None, jobs: int = 1, memo: Memo | None = None) -> Validation:
    """Check everything under `root`; raises ConfigError/UsageError only when site.yaml is unusable.

    `known` holds the last run's results of files on their own; a file whose text (and the rules)
    are unchanged is not parsed again. `jobs` processes share the files that are. `memo` is the last
    validate's (`Validation.memo`): a check across files is redone only where what it is made from changed.
    """
    config, found = load_config(root)
    rules = rules_key(config)
    ledger = Ledger((memo or Memo()).of(str(config.root)))
    files, problems, digests, seen = discover(config, ledger.memo.seen)
    found += problems
    static_files, refused = _static(ledger, config.root, config.max_file_bytes)
    found += refused + _refused(config.root, ("templates", "locales", "schemas"))
    readable = [file for file in files if file.readable]
    reuse = known.files if known is not None and known.rules == rules else {}
    recent = ledger.memo.studied if ledger.memo.rules == rules else {}
    studied, records = _study_all(readable, digests, FrontMatterRules(config), reuse, jobs, recent)
    aliases = alias_targets((r.parsed.article for r in studied if r.parsed.article is not None), config.source_locale)
    index = _index(config, files, static_files, frozenset(aliases))
    site = memo_key(rules, crossfile.site_key(index, config))
    settings = memo_key(rules, crossfile.pair_settings(config, FrontMatterRules(config).shared))
    ledger.inputs = Inputs(memo_key(site, settings), tuple(f.path for f in files), dict(digests))
    delta = _delta(ledger, rules)
    parsed, bodies, prints = [], {}, {}
    for file, result in zip(readable, studied):
        parsed.append(result.parsed)
        found += result.diagnostics
        if result.body is not None:
            bodies[file.path] = result.body
        found += _file_found(ledger, delta, file, digests[file.path], result, index, site, config)
        if result.parsed.article is not None and result.fingerprint is not None:
            prints[(file.lang, file.id)] = result.fingerprint
    articles = {(p.article.lang, p.article.id): p.article for p in parsed if p.article is not None}
    sets = pairing.group(articles.values())
    source_prints = MappingProxyType({i: fp for (lang, i), fp in prints.items() if lang == config.source_locale})
    pair_states, pair_found = _pair_checks(ledger, delta, files, digests, articles, prints, bodies, sets, config, settings)
    sources = {file.path: file for file in files if file.lang == config.source_locale}
    pair_states = minor.forgive(pair_states, articles, sources, config)
    found += crossfile.id_problems(ledger, files, delta is not None)
    found += states.diagnostics(pair_states, articles, config)
    found += pair_found
    found += crossfile.fragment_checks(ledger, files, digests, bodies, index, rules, delta)
    catalog_found, catalog_records = gate.check_catalogs(root, reuse, config.max_file_bytes)
    found += catalog_found
    records.update(catalog_records)
    ordered = sorted(_one_per_mistake(found), key=lambda d: (d.path, d.line, d.column, d.code, d.message))
    kept = {
        (f.path, digests[f.path]): r for f, r in zip(readable, studied) if f.path in records
    }  # the next validate in this process reuses them
    return Validation(
        config,
        tuple(parsed),
        sets,
        states.with_errors(pair_states, {d.path for d in ordered if d.is_error}),
        source_prints,
        MappingProxyType(bodies),
        MappingProxyType(articles),
        tuple(ordered),
        FileRecords(rules, MappingProxyType(records)),
        _image_sizes(ledger, config.root, index.static),
        ledger.done(rules, seen, MappingProxyType(kept)),
    )


def _one_per_mistake(found: list[Diagnostic]) -> set[Diagnostic]:
    """The diagnostics, once each, without a schema's finding where a tag check says more of the same value (a tag that is
    no tag id, `התנדבות`, breaks the schema's pattern too: the tag check names the tag it is the name of)."""
    tags = {(d.path, d.line, d.column) for d in found if d.code == "tag-unknown"}
    return {d for d in found if d.code != "field-invalid" or (d.path, d.line, d.column) not in tags}


def _delta(ledger: Ledger, rules: str) -> frozenset[str] | None:
    """The paths whose text changed since the last validate, when only texts changed (then the other files' units are carried); else None."""
    last = ledger.memo.inputs
    now = ledger.inputs
    if last is None or now is None or ledger.memo.rules != rules:
        return None
    changed = last.changed(now.site, now.paths, now.digests)
    if changed is not None:
        ledger.carry()
    return changed


def _file_found(
    ledger: Ledger,
    delta: frozenset[str] | None,
    file: SourceFile,
    digest: str,
    result: Studied,
    index: checks.SiteIndex,
    site: str,
    config: SiteConfig,
) -> list[Diagnostic]:
    """One file's checks against the site: carried from the last validate when its text is unchanged, else recalled or made."""
    if delta is not None and file.path not in delta:
        held = ledger.held(f"file:{file.path}", diagnostics_from)
        if held is not None:
            return list(held)
    return crossfile.file_checks(ledger, file, digest, result, index, site, config)


def _pair_checks(
    ledger: Ledger,
    delta: frozenset[str] | None,
    files: list[SourceFile],
    digests: Mapping[str, str],
    articles: Mapping[tuple[str, str], Article],
    prints: Mapping[tuple[str, str], Fingerprint],
    bodies: Mapping[str, Body],
    sets: tuple[TranslationSet, ...],
    config: SiteConfig,
    settings: str,
) -> tuple[tuple[PairState, ...], list[Diagnostic]]:
    """Every article id's translation states (sorted by id, then language) and what its translations' checks found.

    With `delta`, an id none of whose files changed is carried from the last validate."""
    shared = FrontMatterRules(config).shared
    changed_ids = {file.id for file in files if delta is not None and file.path in delta}
    by_id: dict[str, list[SourceFile]] = {}
    for file in files:
        by_id.setdefault(file.id, []).append(file)
    set_of = {item.id: item for item in sets}
    made: list[PairState] = []
    found: list[Diagnostic] = []
    for article_id in sorted(by_id):
        held = ledger.held(f"id:{article_id}", crossfile.id_from) if delta is not None and article_id not in changed_ids else None
        id_states, id_found = held or crossfile.id_checks(
            ledger, by_id[article_id], digests, settings, articles, prints, bodies, set_of.get(article_id), config, shared
        )
        made += id_states
        found += id_found
    return tuple(made), found


def rules_key(config: SiteConfig) -> str:
    """What a file's own results depend on besides its text: the article schema and this tool's version."""
    schema = json.dumps(config.article_schema, sort_keys=True, ensure_ascii=False, default=dict)
    return hashlib.blake2b(f"{__version__}\0{schema}".encode(), digest_size=20).hexdigest()


def _study_all(
    files: list[SourceFile],
    digests: Mapping[str, str],
    rules: FrontMatterRules,
    known: Mapping[str, Known],
    jobs: int,
    recent: Mapping[tuple[str, str], Studied],
) -> tuple[list[Studied], dict[str, Known]]:
    """Every file studied, from `known` where its text is unchanged; and the records of the valid ones.

    What this process studied last time under the same rules (`recent`, by path and text digest) is reused as it is."""
    results: list[Studied | None] = [None] * len(files)
    records: dict[str, Known] = {}
    missing = []
    for n, file in enumerate(files):
        seen = digests[file.path]
        hit = known.get(file.path)
        if hit is not None and hit[0] == seen:
            again = recent.get((file.path, seen))
            results[n] = again if again is not None else records_.load(file, hit[1])
            records[file.path] = hit
        else:
            missing.append(n)
    done = workers.run(lambda n: _study_plain(files[n], rules), missing, jobs)
    for n, (record, html, studied) in zip(missing, done):
        results[n] = studied if studied is not None else records_.load(files[n], record, html)
        if record is not None:
            records[files[n].path] = (digests[files[n].path], record)
    return [r for r in results if r is not None], records


def _study_plain(file: SourceFile, rules: FrontMatterRules) -> tuple[Any, str | None, Studied | None]:
    """A file's record and body HTML when it has them (plain data travels fast between processes), else what was found."""
    studied = study(file, rules)
    record = records_.dump(studied)
    if record is None:
        return None, None, studied
    return record, studied.body.html if studied.body else None, None


def _image_sizes(ledger: Ledger, root: Path, files: frozenset[str]) -> Mapping[str, tuple[int, int]]:
    """The intrinsic size of every image under static/ whose header says it (pages give images their width and height).

    `files` passed the path policy; each is opened without following a link and only its first bytes are read,
    unless the memo has its size from a file of the same stat."""
    sizes = {}
    for rel in sorted(f for f in files if f.lower().endswith(images.EXTENSIONS)):
        size = _recalled(ledger, f"image:{rel}", root, f"{STATIC_DIR}/{rel}", 0, partial(_image_size, root, rel), _size_to, _size_from)
        if size is not None:
            sizes[rel] = size
    return MappingProxyType(sizes)


def _image_size(root: Path, rel: str) -> tuple[int, int] | None:
    path = sitepaths.resolve_inside(root, f"{STATIC_DIR}/{rel}")
    if path is None:
        return None
    try:
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK), "rb") as handle:
            return images.intrinsic_size(rel, handle.read(images.HEAD_BYTES))
    except OSError:
        return None


def _size_to(size: tuple[int, int] | None) -> tuple[int, int] | None:
    return size


def _size_from(plain: Any) -> tuple[int, int] | None:
    if plain is None:
        return None
    width, height = plain
    if type(width) is not int or type(height) is not int:
        raise ValueError(plain)
    return width, height


def _recalled(
    ledger: Ledger, name: str, root: Path, rel: str, limit: int, make: Callable[[], T], to: Callable[[T], Any], back: Callable[[Any], T]
) -> T:
    """What `make` reads from the file at `rel`: from the memo while the file's stat is the same, else read (and kept, unless just changed)."""
    key = stamp_key(root, rel, limit)
    if key is None:
        return make()
    return ledger.recall(name, key, make, to, back)


def _static(ledger: Ledger, root: Path, limit: int) -> tuple[frozenset[str], list[Diagnostic]]:
    """The files under static/ the site may publish (relative to static/), and what is wrong: refused paths, scripts in SVG or HTML."""
    allowed, refused = set(), []
    for rel, why in sitepaths.walk(root, STATIC_DIR):
        if why:
            refused.append(Diagnostic.make("path-unsafe", rel, 1, 1, why))
            continue
        allowed.add(rel[len(STATIC_DIR) + 1 :])
        if rel.lower().endswith(staticfiles.ACTIVE):
            refused += _recalled(
                ledger, f"static:{rel}", root, rel, limit, partial(_active, root, rel, limit), diagnostics_to, diagnostics_from
            )
    return frozenset(allowed), refused


def _active(root: Path, rel: str, limit: int) -> list[Diagnostic]:
    """Scripts in one SVG or HTML file under static/."""
    try:
        return staticfiles.check(rel, sitepaths.read_bytes(root, rel, limit))
    except (OSError, sitepaths.UnsafePath, sitepaths.TooLarge) as exc:
        return [Diagnostic.make("file-unreadable", rel, 1, 1, f"cannot be checked for scripts: {exc}")]


def _refused(root: Path, folders: tuple[str, ...]) -> list[Diagnostic]:
    """What the path policy refuses under the site's other folders (templates, catalogs, schemas)."""
    return [Diagnostic.make("path-unsafe", rel, 1, 1, why) for folder in folders for rel, why in sitepaths.walk(root, folder) if why]


def _index(config: SiteConfig, files: list[SourceFile], static_files: frozenset[str], aliases: frozenset[str]) -> checks.SiteIndex:
    """What links may point at: the content files found and every file under static/."""
    return checks.SiteIndex(
        content=frozenset(f.path for f in files),
        articles=frozenset(f"{f.lang}/{f.id}" for f in files),
        static=static_files,
        locales=tuple(config.locales),
        source_locale=config.source_locale,
        aliases=aliases,
    )
