"""The gate: load a site, run every check, and return all articles and every diagnostic at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from . import checks, states, structure, textcheck, translations
from .articles import Article, FrontMatterRules, Parsed, parse
from .config import SiteConfig, load_config
from .diagnostics import Diagnostic
from .fingerprint import Fingerprint, fingerprint
from .markdown import Body, scan
from .sources import SourceFile, discover
from .states import PairState
from .translations import TranslationSet

STATIC_DIR = "static"


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


def validate(root: Path) -> Validation:
    """Check everything under `root`; raises ConfigError/UsageError only when site.yaml is unusable."""
    config, found = load_config(root)
    files, problems = discover(config)
    found += problems
    index = _index(config, files)
    rules = FrontMatterRules(config)
    parsed, bodies = [], {}
    for file in files:
        if file.text is None:
            continue
        found += _check_text(file)
        result = parse(file, rules)
        parsed.append(result)
        found += result.diagnostics
        if result.body is not None:
            bodies[file.path] = body = scan(result.body, result.body_line)
            body_found = checks.check_body(file.path, file.lang, body, index, config)
            if config.allow_raw_html and not any(d.code == "html-unsafe" for d in body_found):
                body_found += checks.check_trusted(file.path, result.body, result.body_line)
            found += body_found
        if result.front is not None:
            found += checks.check_front_matter(file.path, file.lang, result.front, index, config)
    articles = {(p.article.lang, p.article.id): p.article for p in parsed if p.article is not None}
    prints = {key: _fingerprint(article, bodies[article.path]) for key, article in articles.items()}
    sets = translations.group(articles.values())
    source_prints = MappingProxyType({i: fp for (lang, i), fp in prints.items() if lang == config.source_locale})
    pair_states = states.pair_states(files, articles, source_prints, config)
    found += translations.check_ids(files)
    found += states.diagnostics(pair_states, articles, config)
    found += translations.check_shared(sets, rules.shared, config.source_locale)
    found += _compare_pairs(sets, bodies, prints, config.source_locale)
    ordered = sorted(set(found), key=lambda d: (d.path, d.line, d.column, d.code, d.message))
    return Validation(config, tuple(parsed), sets, pair_states, source_prints, MappingProxyType(bodies), MappingProxyType(articles), tuple(ordered))


def _fingerprint(article: Article, body: Body) -> Fingerprint:
    return fingerprint(article.title, article.summary, article.body, body.headings, article.body_line)


def _compare_pairs(
    sets: tuple[TranslationSet, ...], bodies: dict[str, Body], prints: dict[tuple[str, str], Fingerprint], source_locale: str
) -> list[Diagnostic]:
    """Structure and untranslated text of every translation against its source."""
    found = []
    for source, article in translations.pairs(sets, source_locale):
        found += structure.check(source, bodies[source.path], article, bodies[article.path])
        found += structure.untranslated(source, prints[(source_locale, source.id)], article, prints[(article.lang, article.id)])
    return found


def _check_text(file: SourceFile) -> list[Diagnostic]:
    return [Diagnostic.make(p.code, file.path, p.line, p.column, p.message) for p in textcheck.check(file.text or "")]


def _index(config: SiteConfig, files: list[SourceFile]) -> checks.SiteIndex:
    """What links may point at: the content files found and every file under static/."""
    static = config.root / STATIC_DIR
    static_files = (
        frozenset(p.relative_to(static).as_posix() for p in static.rglob("*") if p.is_file()) if static.is_dir() else frozenset()
    )
    return checks.SiteIndex(
        content=frozenset(f.path for f in files),
        articles=frozenset(f"{f.lang}/{f.id}" for f in files),
        static=static_files,
        locales=tuple(config.locales),
        source_locale=config.source_locale,
    )
