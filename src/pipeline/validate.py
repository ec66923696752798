"""The gate: load a site, run every check, and return all articles and every diagnostic at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import checks, textcheck, translations
from .articles import Article, FrontMatterRules, Parsed, parse
from .config import SiteConfig, load_config
from .diagnostics import Diagnostic
from .markdown import scan
from .sources import SourceFile, discover
from .translations import TranslationSet

STATIC_DIR = "static"


@dataclass(frozen=True, slots=True)
class Validation:
    """The outcome of validating a site: its config, its valid articles and every diagnostic, sorted."""

    config: SiteConfig
    files: tuple[Parsed, ...]
    sets: tuple[TranslationSet, ...]
    diagnostics: tuple[Diagnostic, ...]

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

    @property
    def articles(self) -> tuple[Article, ...]:
        return tuple(p.article for p in self.files if p.article is not None)


def validate(root: Path) -> Validation:
    """Check everything under `root`; raises ConfigError/UsageError only when site.yaml is unusable."""
    config, found = load_config(root)
    files, problems = discover(config)
    found += problems
    index = _index(config, files)
    rules = FrontMatterRules(config)
    parsed = []
    for file in files:
        if file.text is None:
            continue
        found += _check_text(file)
        result = parse(file, rules)
        parsed.append(result)
        found += result.diagnostics
        if result.body is not None:
            found += checks.check_body(file.path, file.lang, scan(result.body, result.body_line), index, config)
        if result.front is not None:
            found += checks.check_front_matter(file.path, file.lang, result.front, index, config)
    sets = translations.group(p.article for p in parsed if p.article is not None)
    found += translations.check_ids(files)
    found += translations.check_pairs(files, config)
    found += translations.check_shared(sets, rules.shared, config.source_locale)
    ordered = sorted(set(found), key=lambda d: (d.path, d.line, d.column, d.code, d.message))
    return Validation(config, tuple(parsed), sets, tuple(ordered))


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
