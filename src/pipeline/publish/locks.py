"""A lock file naming who holds it (user, host, process, since); a stale one is detected, explained and taken over."""

from __future__ import annotations

import getpass
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pipeline.publish.targets.base import PublishError


def holder_description() -> dict[str, object]:
    return {"user": _user(), "host": socket.gethostname(), "pid": os.getpid(), "since": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


@contextmanager
def hold(path: Path, what: str) -> Iterator[list[str]]:
    """Hold the lock at `path` for `what`; yields notes (e.g. that a stale lock was taken over)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    me = holder_description()
    while True:
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            other = _read(path)
            if not is_stale(other):
                who = f"{other.get('user', '?')} on {other.get('host', '?')} (process {other.get('pid', '?')}, since {other.get('since', '?')})"
                raise PublishError(f"{what} is locked by another publish: {who}; wait for it to finish") from None
            notes.append(
                f"took over a stale lock left by process {other.get('pid', '?')} on {other.get('host', '?')} (it is no longer running)"
            )
            path.unlink(missing_ok=True)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(me, handle)
    try:
        yield notes
    finally:
        path.unlink(missing_ok=True)


def _read(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text("utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def is_stale(other: dict[str, object]) -> bool:
    """A lock is stale when its process, on this host, is gone (or the file is unreadable)."""
    if not other:
        return True
    if other.get("host") != socket.gethostname():
        return False  # another machine's process cannot be checked from here
    pid = other.get("pid")
    if not isinstance(pid, int):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
