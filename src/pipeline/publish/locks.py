"""A lock file naming who holds it (user, host, process, since); a stale one (process gone, or older than the age limit) is taken over."""

from __future__ import annotations

import getpass
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.publish.targets.base import PublishError

MAX_AGE = timedelta(hours=6)  # a lock from another machine older than this is stale: no publish takes so long


def holder_description() -> dict[str, object]:
    return {"user": _user(), "host": socket.gethostname(), "pid": os.getpid(), "since": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


@contextmanager
def hold(path: Path, what: str) -> Iterator[list[str]]:
    """Hold the lock at `path` for `what`; yields notes (e.g. that a stale lock was taken over)."""
    notes: list[str] = []
    me = holder_description()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(
            f"could not take the lock {path}: {exc.filename or path.parent}: {exc.strerror or exc}; nothing was changed"
        ) from exc
    while True:
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            other = _read(path)
            if not is_stale(other):
                who = describe(other)
                raise PublishError(
                    f"{what} is locked by another publish: {who}; wait for it to finish, "
                    "or, if it is certain that publish has stopped, run `pipeline unlock`"
                ) from None
            why = "it is no longer running" if other.get("host") == socket.gethostname() else f"it is older than {_hours(MAX_AGE)}"
            notes.append(f"took over a stale lock left by process {other.get('pid', '?')} on {other.get('host', '?')} ({why})")
            _remove(path)
        except OSError as exc:
            raise PublishError(f"could not take the lock {exc.filename or path}: {exc.strerror or exc}; nothing was changed") from exc
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(me, handle)
    try:
        yield notes
    finally:
        path.unlink(missing_ok=True)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise PublishError(f"could not remove the stale lock {path}: {exc.strerror or exc}; nothing was changed") from exc


def release(path: Path, what: str) -> str:
    """Remove the lock at `path` whoever holds it (`pipeline unlock`); says whose it was."""
    other = _read(path)
    try:
        path.unlink()
    except FileNotFoundError:
        return f"{what} was not locked"
    except OSError as exc:
        raise PublishError(f"could not remove the lock {path}: {exc.strerror}; {what} is still locked") from exc
    return f"removed the lock on {what} held by {describe(other)}"


def describe(other: dict[str, object]) -> str:
    return f"{other.get('user', '?')} on {other.get('host', '?')} (process {other.get('pid', '?')}, since {other.get('since', '?')})"


def _hours(age: timedelta) -> str:
    return f"{age.total_seconds() / 3600:g} hours"


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
        return _age(other) > MAX_AGE  # another machine's process cannot be checked from here: only its age
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


def _age(other: dict[str, object]) -> timedelta:
    """How long ago the lock was taken; a lock whose time cannot be read counts as new (it is never taken over unseen)."""
    try:
        since = datetime.strptime(str(other.get("since")), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return timedelta(0)
    return datetime.now(UTC) - since


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
