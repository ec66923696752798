"""The translation status report: per article and per catalog, state and coverage, with the changed sections' diffs."""

from __future__ import annotations

import difflib
import json
from collections import Counter
from dataclasses import dataclass

from pipeline.catalogs import pofiles
from pipeline.config.site import SiteConfig
from pipeline.content import history
from pipeline.content.articles import FrontMatterRules
from pipeline.content.fingerprint import Change, Fingerprint
from pipeline.content.perfile import study
from pipeline.content.sources import SourceFile
from pipeline.translation.states import DRAFT, OK, ORPHANED, STALE, STATES, PairState, describe
from pipeline.validate import Validation


@dataclass(frozen=True, slots=True)
class SectionDiff:
    key: str
    label: str
    kind: str  # changed, added or removed
    diff: str  # unified diff of the source section since translation; "" when history does not have it


@dataclass(frozen=True, slots=True)
class Row:
    """One article in one translation language, as the report shows it."""

    state: PairState
    source_title: str | None
    title: str | None
    sections: tuple[SectionDiff, ...]
    since: str | None  # the commit whose source the translation matches, when git knows it
    stale_since: str | None = None  # when the source first changed after that commit (ISO 8601); "" for changes not committed yet


@dataclass(frozen=True, slots=True)
class CatalogStatus:
    """Coverage of one language's interface strings."""

    lang: str
    path: str
    state: str  # "ok", "missing" (no .po yet) or "unreadable" (`i18n check` explains)
    total: int = 0
    translated: int = 0
    fuzzy: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "lang": self.lang,
            "path": self.path,
            "state": self.state,
            "total": self.total,
            "translated": self.translated,
            "fuzzy": self.fuzzy,
        }


def catalog_status(config: SiteConfig) -> tuple[CatalogStatus, ...]:
    """Each translation language's catalog: how many strings are translated and fuzzy."""
    found = []
    for lang in config.translations:
        rel = f"locales/{lang}/LC_MESSAGES/messages.po"
        if not (config.root / rel).is_file():
            found.append(CatalogStatus(lang, rel, "missing"))
            continue
        po = pofiles.read(config.root, rel)
        if po.problems:  # `i18n check` explains them; here the catalog has no coverage
            found.append(CatalogStatus(lang, rel, "unreadable"))
            continue
        messages = [m for m in po.catalog if m.id]
        translated = sum(1 for m in messages if _is_translated(m.string) and not m.fuzzy)
        found.append(CatalogStatus(lang, rel, "ok", len(messages), translated, sum(1 for m in messages if m.fuzzy)))
    return tuple(found)


def _is_translated(string: object) -> bool:
    return all(string) if isinstance(string, (tuple, list)) else bool(string)


@dataclass(frozen=True, slots=True)
class Report:
    rows: tuple[Row, ...]
    catalogs: tuple[CatalogStatus, ...]
    locales: dict[str, dict[str, int]]  # lang -> state -> count
    words: dict[str, tuple[int, int]]  # lang -> (words translated, words left)

    def up_to_date(self, lang: str) -> tuple[int, int]:
        """(translations up to date, articles that have a source): orphans are not articles of the site."""
        counts = self.locales[lang]
        return counts[OK], sum(n for state, n in counts.items() if state != ORPHANED)


def build(result: Validation, only: str | None = None) -> Report:
    """The report for every article (or only article `only`), with diffs from git where it has them."""
    rows = tuple(_row(result, state) for state in result.states if only in (None, state.id))
    locales: dict[str, dict[str, int]] = {}
    words: dict[str, tuple[int, int]] = {}
    for lang in result.config.translations:
        mine = [r.state for r in rows if r.state.lang == lang]
        counts = Counter(state.state for state in mine)
        locales[lang] = {name: counts.get(name, 0) for name in STATES}
        words[lang] = (sum(state.words_done for state in mine), sum(state.words_left for state in mine))
    return Report(rows, catalog_status(result.config), locales, words)


def _row(result: Validation, state: PairState) -> Row:
    source = result.article(result.config.source_locale, state.id)
    translation = result.article(state.lang, state.id)
    sections: tuple[SectionDiff, ...] = ()
    since = None
    stale_since = None
    if state.changes and state.source_path and state.recorded is not None:
        old, since, stale_since = _source_as_translated(result, state)
        current = result.fingerprints[state.id]
        sections = tuple(_diff(change, old, current) for change in state.changes)
    return Row(state, source.title if source else None, translation.title if translation else None, sections, since, stale_since)


def _source_as_translated(result: Validation, state: PairState) -> tuple[Fingerprint | None, str | None, str | None]:
    """The source's fingerprint at the commit whose version the translation recorded, that commit, and when the next one came."""
    record = result.article(state.lang, state.id).fields["translated_from"]  # type: ignore[union-attr]
    rules = FrontMatterRules(result.config)
    root = result.config.root
    newer = ""  # the commit after the one being looked at ("": the file as it is now, not committed)
    for commit, text in history.versions(root, state.source_path or ""):
        old = study(SourceFile(state.source_path or "", result.config.source_locale, state.id, text), rules).fingerprint
        if old is not None and old.digest == record["fingerprint"]:
            return old, commit, history.commit_date(root, newer) if newer else ""
        newer = commit
    return None, None, None


def _diff(change: Change, old: Fingerprint | None, current: Fingerprint) -> SectionDiff:
    """The diff of one changed section since it was translated; a renamed one against its old self, a moved one named."""
    was = change.other if change.kind == "renamed" else change.key
    label = change.label
    if change.kind == "renamed":
        old_label = next((s.label for s in old.sections if s.key == was), was) if old else was
        label = f"{old_label} → {change.label}"
    elif change.kind == "moved":
        label = f"{change.label} (now before {change.other})" if change.other else f"{change.label} (now at the end)"
    if old is None:
        return SectionDiff(change.key, label, change.kind, "")
    before = next((s.text for s in old.sections if s.key == was), "")
    after = next((s.text for s in current.sections if s.key == change.key), "")
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), "as translated", "source now", n=1, lineterm="")
    return SectionDiff(change.key, label, change.kind, "\n".join(lines))


def as_text(report: Report, with_diffs: bool) -> str:
    """A table for the terminal, then catalogs, then (with `with_diffs`) the diff of each stale section."""
    out = []
    for lang, counts in report.locales.items():
        done, total = report.up_to_date(lang)
        summary = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
        translated, left = report.words[lang]
        out.append(f"{lang}: {done}/{total} articles up to date ({summary or 'no articles'}); {translated} words translated, {left} left")
    for cat in report.catalogs:
        if cat.state == "missing":
            out.append(f"{cat.lang}: no interface catalog yet ({cat.path}; start it with `pipeline i18n init {cat.lang}`)")
        elif cat.state == "unreadable":
            out.append(f"{cat.lang}: {cat.path} cannot be read; `pipeline i18n check` says why")
        else:
            out.append(f"{cat.lang}: {cat.translated}/{cat.total} interface strings translated, {cat.fuzzy} fuzzy ({cat.path})")
    width = max([len(r.state.id) for r in report.rows] + [2])
    out += ["", f"{'ID':<{width}}  LANG  STATE       DETAILS"]
    for row in report.rows:
        details = _details(row.state)
        out.append(f"{row.state.id:<{width}}  {row.state.lang:<4}  {row.state.state:<10}  {details}")
        if with_diffs:
            out += _text_diffs(row)
    return "\n".join(out) + "\n"


def _details(state: PairState) -> str:
    """What the DETAILS column says of a translation."""
    if state.state == STALE:
        return describe(state.changes)
    if state.state == DRAFT:
        changed = f"; and since: {describe(state.changes)}" if state.changes else ""
        return f"{state.words_left} of {state.words} words left: {', '.join(state.untranslated)} still the source's{changed}"
    if state.minor:
        return f"{state.path} (the source changed since only in commits marked minor: {', '.join(state.minor)})"
    return state.path


def _text_diffs(row: Row) -> list[str]:
    lines = []
    for section in row.sections:
        lines.append(f"    {section.kind}: {section.label}")
        if section.diff:
            lines += ["      " + line for line in section.diff.splitlines()]
        elif section.kind != "moved":  # a move alone changes no text
            lines.append("      (no earlier version of the source in git matches the translation's fingerprint)")
    return lines


def as_json(report: Report) -> str:
    data = {
        "locales": report.locales,
        "words": {lang: {"translated": done, "left": left} for lang, (done, left) in report.words.items()},
        "articles": [
            {
                "id": r.state.id,
                "lang": r.state.lang,
                "state": r.state.state,
                "path": r.state.path,
                "source": r.state.source_path,
                "title": r.title,
                "source_title": r.source_title,
                "translated_from_commit": r.since,
                "stale_since": r.stale_since,
                "words": r.state.words,
                "words_left": r.state.words_left,
                "untranslated": list(r.state.untranslated),
                "minor_commits": list(r.state.minor),
                "changes": [{"section": s.key, "label": s.label, "kind": s.kind, "diff": s.diff} for s in r.sections],
            }
            for r in report.rows
        ],
        "catalogs": [cat.as_dict() for cat in report.catalogs],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
