"""Earlier versions of a file from git, newest first; nothing when the site is not in a git repository."""

from __future__ import annotations

import os
import subprocess
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


def _git(root: Path, *args: str) -> str | None:
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
