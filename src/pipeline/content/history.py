"""Earlier versions of a file from git and the commits that made them, newest first; nothing when the site is not in git."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

MAX_VERSIONS = 200


def versions(root: Path, rel: str, limit: int = MAX_VERSIONS) -> Iterator[tuple[str, str]]:
    """(commit, text) for each committed version of `rel` (relative to `root`), newest first."""
    log = _git(root, "log", f"-n{limit}", "--format=%H", "--", rel)
    for commit in (log or "").split():
        text = _git(root, "show", f"{commit}:./{rel}")
        if text is not None:
            yield commit, text


def commits(root: Path, rel: str, limit: int = MAX_VERSIONS) -> list[tuple[str, str]]:
    """(commit, message) of each commit that changed `rel`, newest first; none outside git."""
    log = _git(root, "log", f"-n{limit}", "--format=%H%x1f%B%x1e", "--", rel)
    found = []
    for entry in (log or "").split("\x1e"):
        commit, _, message = entry.strip("\n").partition("\x1f")
        if commit:
            found.append((commit, message))
    return found


def version_at(root: Path, rel: str, revision: str) -> str | None:
    """The text of `rel` (relative to `root`) at git `revision`, or None when git does not have it there."""
    if revision.startswith("-") or not revision.strip():
        return None  # never an option to git
    return _git(root, "show", f"{revision}:./{rel}")


def commit_date(root: Path, commit: str) -> str | None:
    """When `commit` was made (ISO 8601, with its offset), or None."""
    if commit.startswith("-"):
        return None
    shown = _git(root, "show", "-s", "--format=%cI", commit)
    return shown.strip() or None if shown is not None else None


def last_commit(root: Path, rel: str) -> str | None:
    """The newest commit that touched `rel`, or None (not in git, or never committed)."""
    log = _git(root, "log", "-n1", "--format=%H", "--", rel)
    return log.strip() or None if log is not None else None


def _git(root: Path, *args: str) -> str | None:
    import subprocess  # here: a build asks git only when a translation's source changed

    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, check=False, timeout=30, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"}
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    try:
        return done.stdout.decode("utf-8")
    except UnicodeDecodeError:
        return None
