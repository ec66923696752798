"""Each translation's state against its source: ok, missing, stale (which sections), orphaned, unverified."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.config.site import SiteConfig, severity
from pipeline.content.articles import Article
from pipeline.content.fingerprint import Change, Fingerprint, compare
from pipeline.content.sources import SourceFile
from pipeline.diagnostics import Diagnostic

OK, MISSING, STALE, ORPHANED, UNVERIFIED, INVALID = "ok", "missing", "stale", "orphaned", "unverified", "invalid"
STATES = (OK, STALE, UNVERIFIED, MISSING, ORPHANED, INVALID)


@dataclass(frozen=True, slots=True)
class PairState:
    """Where one article stands in one translation language."""

    id: str
    lang: str
    state: str  # one of STATES
    path: str  # the translation's path (where it would be, when missing)
    source_path: str | None  # None when orphaned
    changes: tuple[Change, ...] = ()  # stale only: what changed in the source
    recorded: Mapping[str, str] | None = None  # the section digests the translation recorded


def pair_states(
    files: list[SourceFile],
    articles: Mapping[tuple[str, str], Article],
    fingerprints: Mapping[str, Fingerprint],
    config: SiteConfig,
) -> tuple[PairState, ...]:
    """The state of every (article id, translation language), sorted by id then language.

    `articles` maps (lang, id) to each valid article; `fingerprints` maps id to its source's fingerprint.
    """
    source = config.source_locale
    present = {(f.lang, f.id): f for f in files}
    ids = sorted({f.id for f in files})
    found = []
    for article_id in ids:
        source_file = present.get((source, article_id))
        for lang in config.translations:
            translation = present.get((lang, article_id))
            path = translation.path if translation else f"content/{lang}/{article_id}.md"
            if translation is None:
                if source_file is not None:
                    found.append(PairState(article_id, lang, MISSING, path, source_file.path))
            elif source_file is None:
                found.append(PairState(article_id, lang, ORPHANED, path, None))
            else:
                found.append(_state(article_id, lang, path, source_file.path, articles, fingerprints))
    return tuple(found)


def _state(
    article_id: str,
    lang: str,
    path: str,
    source_path: str,
    articles: Mapping[tuple[str, str], Article],
    fingerprints: Mapping[str, Fingerprint],
) -> PairState:
    article = articles.get((lang, article_id))
    current = fingerprints.get(article_id)
    if article is None or current is None:
        return PairState(article_id, lang, INVALID, path, source_path)
    record = article.fields.get("translated_from")
    if record is None:
        return PairState(article_id, lang, UNVERIFIED, path, source_path)
    recorded = record["sections"]
    if record["fingerprint"] == current.digest:
        return PairState(article_id, lang, OK, path, source_path, recorded=recorded)
    return PairState(article_id, lang, STALE, path, source_path, compare(recorded, current), recorded)


def diagnostics(states: tuple[PairState, ...], articles: Mapping[tuple[str, str], Article], config: SiteConfig) -> list[Diagnostic]:
    """Missing, orphaned, stale and unverified translations, each at the severity its locale's policy sets."""
    found = []
    for item in states:
        policy = config.locales[item.lang]
        command = f"pipeline translate {item.lang} {item.id}"
        if item.state == MISSING and (level := severity(policy.missing)):
            message = f"no {policy.english_name} translation: {item.path} does not exist; start one with `{command}`"
            found.append(Diagnostic.make("translation-missing", item.source_path or item.path, 1, 1, message, level))
        elif item.state == ORPHANED and (level := severity(policy.orphaned)):
            source = f"content/{config.source_locale}/{item.id}.md"
            found.append(
                Diagnostic.make("translation-orphaned", item.path, 1, 1, f"no source article {source}; was it renamed or deleted?", level)
            )
        elif item.state == STALE and (level := severity(policy.stale)):
            line, col = articles[(item.lang, item.id)].where("translated_from")
            message = f"{item.source_path} changed since this was translated: {describe(item.changes)}; update them, then run `{command} --accept`"
            found.append(Diagnostic.make("translation-stale", item.path, line, col, message, level))
        elif item.state == UNVERIFIED and (level := severity(policy.unverified)):
            message = f"no record of the source version this translates; once it matches {item.source_path}, run `{command} --accept`"
            found.append(Diagnostic.make("translation-unverified", item.path, 1, 1, message, level))
    return found


def describe(changes: tuple[Change, ...]) -> str:
    """The changed sections in words: 'section "Why" changed, summary changed, section "New" added'."""
    parts = []
    for change in changes:
        name = change.key if change.key in ("title", "summary", "intro") else f"section '{change.label}'"
        parts.append(f"{name} {change.kind}")
    return ", ".join(parts) or "sections reordered"
