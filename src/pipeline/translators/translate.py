"""The `translate` command's work: write a translation's draft, or record the source it matches (one, or many at once)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline import sitepaths
from pipeline.content import history
from pipeline.content.articles import Article, FrontMatterRules
from pipeline.content.fingerprint import Fingerprint
from pipeline.content.perfile import study
from pipeline.content.sources import SourceFile, counterpart
from pipeline.errors import ContentError, UsageError
from pipeline.translation import draft
from pipeline.translation.states import DRAFT, MISSING, OK, ORPHANED, STALE, PairState, describe
from pipeline.validate import Validation

LAST_COMMIT = "translation's last commit"  # --as-of-translation: the source as it was when each translation was last committed


@dataclass(frozen=True, slots=True)
class Accepted:
    """One translation whose record was (or, in a dry run, would be) set to a source version."""

    path: str
    was: str  # its state before
    version: str  # which source version it now records: "current" or a commit


def start(result: Validation, lang: str, article_id: str) -> str:
    """Write the draft of the `lang` translation of `article_id` beside its source; say what was done."""
    config = result.config
    _check_lang(result, lang)
    source = _source(result, article_id)
    target = counterpart(source.path, lang)
    existing = next((p.source.path for p in result.files if p.source.lang == lang and p.source.id == article_id), None)
    if existing is not None or (config.root / target).exists():
        raise UsageError(f"{existing or target} already exists; edit it, and once it matches the source run with --accept")
    text = draft.draft(
        source, (config.root / source.path).read_text("utf-8"), result.fingerprints[article_id], FrontMatterRules(config).shared
    )
    _refuse_links(config.root, target)
    path = config.root / target
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return f"wrote {target}: translate the fields marked `# translate` and the body, then run `pipeline validate`"


def accept(result: Validation, langs: Iterable[str], ids: Iterable[str] | None, as_of: str | None, dry_run: bool) -> list[Accepted]:
    """Record in each chosen translation the source version it matches: the current one, or the one `as_of` (a git revision, or
    LAST_COMMIT). With `ids` None, every translation that is not up to date (stale, unverified, draft); else exactly those."""
    chosen = []
    for lang in langs:
        _check_lang(result, lang)
        if ids is None:
            chosen += [s for s in result.states if s.lang == lang and s.state not in (OK, MISSING, ORPHANED)]
        else:
            chosen += [_named(result, lang, article_id) for article_id in ids]
    planned = []
    for state in chosen:  # every record made before any is written: one that cannot be made changes nothing
        version, fingerprint = _version(result, state, as_of)
        planned.append((state, version, _recorded(result, state, fingerprint)))
    for state, _, _ in planned:
        _refuse_links(result.config.root, state.path)
    if not dry_run:
        for state, _, text in planned:
            (result.config.root / state.path).write_text(text, encoding="utf-8")
    return [Accepted(state.path, _was(state), version) for state, version, _ in planned]


def _refuse_links(root: Path, rel: str) -> None:
    """The file `translate` writes must be a plain file inside the site: never written through a link."""
    try:
        sitepaths.resolve_inside(root, rel.rsplit("/", 1)[0])
    except sitepaths.UnsafePath as exc:
        raise UsageError(f"{exc}; nothing was written") from None
    if (root / rel).is_symlink():
        raise UsageError(f"{rel} is a link; the tool writes only plain files (replace the link with the file); nothing was written")


def _named(result: Validation, lang: str, article_id: str) -> PairState:
    source = _source(result, article_id)
    state = next((s for s in result.states if s.lang == lang and s.id == article_id), None)
    if state is None or state.state == MISSING:
        _refuse_links(result.config.root, counterpart(source.path, lang))  # a link the policy would not read is no translation
        raise UsageError(f"{counterpart(source.path, lang)} does not exist; start it with `pipeline translate {lang} {article_id}`")
    return state


def _version(result: Validation, state: PairState, as_of: str | None) -> tuple[str, Fingerprint]:
    """Which source version to record for `state`, and its fingerprint."""
    if as_of is None:
        return "current", result.fingerprints[state.id]
    root = result.config.root
    revision = history.last_commit(root, state.path) if as_of == LAST_COMMIT else as_of
    if revision is None:
        raise UsageError(f"{state.path} has never been committed, so git cannot say which source it was translated from")
    source_path = state.source_path or ""
    text = history.version_at(root, source_path, revision)
    if text is None:
        raise UsageError(f"git has no {source_path} at {revision[:12]}: is it a commit of this repository, and was the file there?")
    studied = study(SourceFile(source_path, result.config.source_locale, state.id, text), FrontMatterRules(result.config))
    if studied.fingerprint is None:
        raise UsageError(f"{source_path} at {revision[:12]} is not a valid article, so it cannot be recorded as the source")
    return revision[:12], studied.fingerprint


def _recorded(result: Validation, state: PairState, fingerprint: Fingerprint) -> str:
    """The translation's text with `fingerprint` recorded."""
    try:
        return draft.accept((result.config.root / state.path).read_text("utf-8"), fingerprint)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ContentError(f"{state.path}: {exc}", tuple(d for d in result.about(state.path) if d.is_error)) from exc


def _was(state: PairState) -> str:
    if state.state == STALE:
        return f"it was stale: {describe(state.changes)}"
    if state.state == DRAFT:
        return f"it is still a draft: {state.words_left} of {state.words} words left"
    return {OK: "it was already up to date", "unverified": "it had no fingerprint"}.get(state.state, f"it was {state.state}")


def _check_lang(result: Validation, lang: str) -> None:
    translations = result.config.translations
    if lang not in translations:
        raise UsageError(f"'{lang}' is not a translation language of this site ({', '.join(translations) or 'none'})")


def _source(result: Validation, article_id: str) -> Article:
    config = result.config
    source = result.article(config.source_locale, article_id)
    if source is not None:
        return source
    broken = next((p for p in result.files if p.source.lang == config.source_locale and p.source.id == article_id), None)
    if broken is None:
        raise UsageError(f"no source article content/{config.source_locale}/{article_id}.md (nor in a sub-folder)")
    path = broken.source.path
    raise ContentError(f"{path} has errors; fix them first", tuple(d for d in result.about(path) if d.is_error))
