"""Source changes whose commit messages call them minor (site.yaml `translation.minor_keywords`) leave translations up to date."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from pipeline.config.site import SiteConfig
from pipeline.content import history
from pipeline.content.articles import Article, FrontMatterRules
from pipeline.content.perfile import study
from pipeline.content.sources import SourceFile
from pipeline.translation.states import OK, STALE, PairState


def forgive(
    states: tuple[PairState, ...], articles: Mapping[tuple[str, str], Article], sources: Mapping[str, SourceFile], config: SiteConfig
) -> tuple[PairState, ...]:
    """`states` with each stale translation whose source changed since only in commits marked minor as up to date.

    `sources` maps a source path to its file as it is now; a change not committed yet is never minor.
    """
    if not config.minor_keywords:
        return states
    rules = FrontMatterRules(config)
    return tuple(_forgiven(state, articles, sources, config, rules) if state.state == STALE else state for state in states)


def _forgiven(
    state: PairState,
    articles: Mapping[tuple[str, str], Article],
    sources: Mapping[str, SourceFile],
    config: SiteConfig,
    rules: FrontMatterRules,
) -> PairState:
    source = state.source_path or ""
    record = articles[(state.lang, state.id)].fields["translated_from"]["fingerprint"]
    root = config.root
    now = sources.get(source)
    if now is None or history.version_at(root, source, "HEAD") != (now.text or ""):
        return state
    minor: list[str] = []
    for commit, message in history.commits(root, source):
        text = history.version_at(root, source, commit)
        studied = study(SourceFile(source, config.source_locale, state.id, text), rules) if text is not None else None
        if studied is not None and studied.fingerprint is not None and studied.fingerprint.digest == record:
            return replace(state, state=OK, changes=(), minor=tuple(minor)) if minor else state
        if not any(keyword in message for keyword in config.minor_keywords):
            return state
        minor.append(commit[:12])
    return state
