"""The `translate` command's work: write a translation's draft, or record the source it matches."""

from __future__ import annotations

from pathlib import Path

from pipeline import sitepaths
from pipeline.content.articles import FrontMatterRules
from pipeline.content.fingerprint import Fingerprint
from pipeline.errors import ContentError, UsageError
from pipeline.translation import draft
from pipeline.translation.states import describe
from pipeline.validate import Validation, validate


def translate(root: Path, lang: str, article_id: str, accept: bool) -> str:
    """Write `content/<lang>/<id>.md` (a draft, or with `accept` its new fingerprint); say what was done."""
    result = validate(root)
    config = result.config
    if lang not in config.translations:
        raise UsageError(f"'{lang}' is not a translation language of this site ({', '.join(config.translations) or 'none'})")
    source_path = f"content/{config.source_locale}/{article_id}.md"
    source = result.article(config.source_locale, article_id)
    if source is None:
        if not (root / source_path).is_file():
            raise UsageError(f"no source article {source_path}")
        raise ContentError(f"{source_path} has errors; fix them first", tuple(d for d in result.about(source_path) if d.is_error))
    target = root / "content" / lang / f"{article_id}.md"
    rel = target.relative_to(root).as_posix()
    current = result.fingerprints[article_id]
    _refuse_links(root, rel)
    if accept:
        return _accept(result, target, rel, lang, article_id, current)
    if target.exists():
        raise UsageError(f"{rel} already exists; edit it, and once it matches the source run with --accept")
    text = draft.draft(source, (root / source_path).read_text("utf-8"), current, FrontMatterRules(config).shared)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return f"wrote {rel}: translate the fields marked `# translate` and the body, then run `pipeline validate`"


def _refuse_links(root: Path, rel: str) -> None:
    """The file `translate` writes must be a plain file inside the site: never written through a link."""
    try:
        sitepaths.resolve_inside(root, rel.rsplit("/", 1)[0])
    except sitepaths.UnsafePath as exc:
        raise UsageError(f"{exc}; nothing was written") from None
    if (root / rel).is_symlink():
        raise UsageError(f"{rel} is a link; the tool writes only plain files (replace the link with the file); nothing was written")


def _accept(result: Validation, target: Path, rel: str, lang: str, article_id: str, current: Fingerprint) -> str:
    if not target.is_file():
        raise UsageError(f"{rel} does not exist; start it with `pipeline translate {lang} {article_id}`")
    state = next(s for s in result.states if s.lang == lang and s.id == article_id)
    try:
        text = draft.accept(target.read_text("utf-8"), current)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ContentError(f"{rel}: {exc}", tuple(d for d in result.about(rel) if d.is_error)) from exc
    target.write_text(text, encoding="utf-8")
    was = {"ok": "it was already up to date", "unverified": "it had no fingerprint"}.get(state.state, f"it was {state.state}")
    if state.state == "stale":
        was += f": {describe(state.changes)}"
    return f"recorded the current {result.config.source_locale} source in {rel} ({was})"
