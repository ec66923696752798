"""Each translation's state against its source: ok, stale (which sections), draft (words left), unverified, missing, orphaned, invalid."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from pipeline.config.site import SiteConfig, severity
from pipeline.content.articles import Article
from pipeline.content.fingerprint import Change, Fingerprint, compare
from pipeline.content.sources import SourceFile, counterpart
from pipeline.diagnostics import Diagnostic
from pipeline.translation.structure import marked_untranslated, same_as_source

_SECTION_FIELDS = ("title", "summary")  # fingerprinted already: counted as sections

OK, MISSING, STALE, ORPHANED, UNVERIFIED, INVALID = "ok", "missing", "stale", "orphaned", "unverified", "invalid"
DRAFT = "draft"  # some of its text is still the source's (or still marked `# translate`): readers get the untranslated policy
STATES = (OK, STALE, DRAFT, UNVERIFIED, MISSING, ORPHANED, INVALID)


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
    words: int = 0  # words in the source's sections
    words_left: int = 0  # of those, the words still to translate (all of them when missing)
    untranslated: tuple[str, ...] = ()  # what is still the source's text: section keys, and fields still marked `# translate`
    minor: tuple[str, ...] = ()  # ok despite these source commits, marked minor in their messages

    @property
    def words_done(self) -> int:
        return self.words - self.words_left


def id_states(
    files: list[SourceFile],
    articles: Mapping[tuple[str, str], Article],
    prints: Mapping[tuple[str, str], Fingerprint],
    config: SiteConfig,
) -> tuple[PairState, ...]:
    """The state of one article id in every translation language; `files` are that id's files, in path order."""
    source = config.source_locale
    present = {f.lang: f for f in files}
    article_id = files[0].id
    source_file = present.get(source)
    words = _words(prints.get((source, article_id)))
    found = []
    for lang in config.translations:
        translation = present.get(lang)
        path = (
            translation.path if translation else counterpart(source_file.path if source_file else f"content/{source}/{article_id}.md", lang)
        )
        if translation is None:
            if source_file is not None:
                found.append(PairState(article_id, lang, MISSING, path, source_file.path, words=words, words_left=words))
        elif source_file is None:
            found.append(PairState(article_id, lang, ORPHANED, path, None))
        else:
            state = _state(article_id, lang, path, source_file.path, articles, prints, source)
            found.append(_drafted(state, articles, prints, source, translation.text or "", words))
    return tuple(found)


def _state(
    article_id: str,
    lang: str,
    path: str,
    source_path: str,
    articles: Mapping[tuple[str, str], Article],
    prints: Mapping[tuple[str, str], Fingerprint],
    source: str,
) -> PairState:
    article = articles.get((lang, article_id))
    current = prints.get((source, article_id))
    if article is None or current is None:
        return PairState(article_id, lang, INVALID, path, source_path)
    record = article.fields.get("translated_from")
    if record is None:
        return PairState(article_id, lang, UNVERIFIED, path, source_path)
    recorded = record["sections"]
    if record["fingerprint"] == current.digest:
        return PairState(article_id, lang, OK, path, source_path, recorded=recorded)
    return PairState(article_id, lang, STALE, path, source_path, compare(recorded, current), recorded)


def _drafted(
    state: PairState,
    articles: Mapping[tuple[str, str], Article],
    prints: Mapping[tuple[str, str], Fingerprint],
    source: str,
    text: str,
    words: int,
) -> PairState:
    """`state` with its word counts, and as a draft when some of its text is still the source's."""
    if state.state == INVALID:
        return replace(state, words=words, words_left=words)
    key = (state.lang, state.id)
    same = same_as_source(prints[(source, state.id)], prints[key])
    fields = marked_untranslated(articles[(source, state.id)], articles[key], text)
    left = sum(len(section.text.split()) for section in same)
    untranslated = tuple(section.key for section in same) + tuple(
        ".".join(path) for path in fields if len(path) > 1 or path[0] not in _SECTION_FIELDS
    )
    kind = DRAFT if same or fields else state.state
    return replace(state, state=kind, words=words, words_left=min(left, words), untranslated=untranslated)


def with_errors(states: tuple[PairState, ...], broken: set[str]) -> tuple[PairState, ...]:
    """The states, with every translation that has an error (`broken`: the paths of files with errors) as invalid."""
    return tuple(replace(s, state=INVALID) if s.path in broken and s.state not in (MISSING, ORPHANED) else s for s in states)


def _words(print_: Fingerprint | None) -> int:
    return sum(len(section.text.split()) for section in print_.sections) if print_ else 0


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
            source = counterpart(item.path, config.source_locale)
            found.append(
                Diagnostic.make("translation-orphaned", item.path, 1, 1, f"no source article {source}; was it renamed or deleted?", level)
            )
        elif item.changes and item.state in (STALE, DRAFT) and (level := severity(policy.stale)):
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
        if change.kind == "renamed":
            parts.append(f"section '{change.other}' renamed to '{change.label}'")
        elif change.kind == "moved":
            parts.append(f"{name} moved " + (f"before '{change.other}'" if change.other else "to the end"))
        else:
            parts.append(f"{name} {change.kind}")
    return ", ".join(parts) or "sections reordered"
