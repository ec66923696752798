"""Diagnostics and pair states to plain tuples and back (a memo persists as plain data), and the digest a memo key is made of."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from pipeline.content.fingerprint import Change
from pipeline.diagnostics import RULES, Diagnostic, Severity
from pipeline.translation.states import STATES, PairState


class Unusable(ValueError):
    """A memo's plain data is not what this version writes: the result is worked out again."""


def key(*parts: str) -> str:
    """The digest of `parts` (each a str), as memo keys are."""
    return hashlib.blake2b("\0".join(parts).encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()


def diagnostics_to(found: Iterable[Diagnostic]) -> tuple[tuple[str, str, int, int, str, str], ...]:
    return tuple((d.code, d.path, d.line, d.column, d.message, d.severity.value) for d in found)


def diagnostics_from(plain: Any) -> list[Diagnostic]:
    """The diagnostics of `diagnostics_to`; Unusable when `plain` is anything else."""
    try:
        found = []
        for code, path, line, column, message, level in plain:
            if code not in RULES or not all(isinstance(v, str) for v in (path, message)) or not all(type(v) is int for v in (line, column)):
                raise Unusable(code)
            found.append(Diagnostic(path, line, column, code, message, Severity(level)))
        return found
    except (TypeError, ValueError) as exc:
        raise Unusable(str(exc)) from None


def states_to(states: Iterable[PairState]) -> tuple[tuple[Any, ...], ...]:
    return tuple(
        (
            s.id,
            s.lang,
            s.state,
            s.path,
            s.source_path,
            tuple((c.key, c.label, c.kind, c.other) for c in s.changes),
            None if s.recorded is None else tuple(s.recorded.items()),
            s.words,
            s.words_left,
            s.untranslated,
            s.minor,
        )
        for s in states
    )


def states_from(plain: Any) -> tuple[PairState, ...]:
    """The pair states of `states_to`; Unusable when `plain` is anything else."""
    try:
        found = []
        for article_id, lang, state, path, source, changes, recorded, words, left, untranslated, minor in plain:
            if state not in STATES or not _strings(article_id, lang, path) or not _strings(*untranslated, *minor):
                raise Unusable(state)
            if source is not None and not isinstance(source, str) or type(words) is not int or type(left) is not int:
                raise Unusable(article_id)
            found.append(
                PairState(
                    article_id,
                    lang,
                    state,
                    path,
                    source,
                    tuple(Change(*_strings_of(change, 4)) for change in changes),
                    None if recorded is None else {k: v for k, v in (_strings_of(pair, 2) for pair in recorded)},
                    words,
                    left,
                    tuple(untranslated),
                    tuple(minor),
                )
            )
        return tuple(found)
    except (TypeError, ValueError) as exc:
        raise Unusable(str(exc)) from None


def _strings(*values: Any) -> bool:
    return all(isinstance(v, str) for v in values)


def _strings_of(values: Any, count: int) -> tuple[str, ...]:
    values = tuple(values)
    if len(values) != count or not _strings(*values):
        raise Unusable(repr(values)[:40])
    return values
