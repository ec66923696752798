"""A publish lock for WebDAV servers without LOCK (stock nginx): a JSON resource naming its holder and expiry, taken with a MOVE that never overwrites.

The resource is written under a name of its own and MOVEd into place with `Overwrite: F` (every server tested
refuses a second creator with 412; stock nginx ignores `If-None-Match: *` on a PUT), then read back: only the
publish whose random token it holds goes on, so a server that ignores the condition is caught too. The holder
rewrites it (a later expiry) halfway through each period and deletes it at the end; one whose expiry has passed,
or whose process on this machine is gone, is taken over and said so.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta

from pipeline.errors import PipelineError
from pipeline.publish import locks
from pipeline.publish.targets.base import PublishError
from pipeline.publish.targets.webdav_client import Dav, shown


@contextmanager
def resource_lock(dav: Dav, url: str, holder: str, seconds: int) -> Iterator[list[str]]:
    """Hold the lock resource at `url` for the block; yields notes (a stale lock taken over)."""
    token = secrets.token_hex(16)
    notes: list[str] = []
    if not _create(dav, url, holder, token, seconds):
        other = _read(dav, url)
        if other is not None and not _stale(other):
            raise PublishError(
                f"target {dav.name} is locked by another publish: {locks.describe(other)} until {other.get('expires', '?')}; "
                "wait for it to finish, or, if it is certain that publish has stopped, run `pipeline unlock`"
            )
        why = "its time ran out" if other else "it could not be read"
        notes.append(f"took over a stale lock left by {locks.describe(other or {})} ({why})")
        dav.send("DELETE", url, ok=(200, 204, 404))
        if not _create(dav, url, holder, token, seconds):
            raise PublishError(f"target {dav.name}: another publish took the lock {shown(url)} at the same moment; try again")
    stop = threading.Event()
    refresher = threading.Thread(target=_keep, args=(dav, url, holder, token, seconds, stop), daemon=True)
    refresher.start()
    try:
        yield notes
    finally:
        stop.set()
        refresher.join()
        with suppress(PipelineError):  # a lock left behind expires by itself
            if (_read(dav, url) or {}).get("token") == token:
                dav.send("DELETE", url, ok=(200, 204, 404))


def release(dav: Dav, url: str) -> str:
    """Delete the lock resource whoever holds it (`pipeline unlock`); says whose it was."""
    other = _read(dav, url)
    if other is None:
        return f"target {dav.name} was not locked"
    dav.send("DELETE", url, ok=(200, 204, 404))
    return f"removed the lock on target '{dav.name}' held by {locks.describe(other)}"


def _create(dav: Dav, url: str, holder: str, token: str, seconds: int) -> bool:
    """Put the lock resource in place unless one exists; True when it is ours afterwards (read back, whatever the server says).

    Written under a name of its own, then MOVEd onto `url` with `Overwrite: F`: stock nginx ignores
    `If-None-Match` on a PUT (a second publish would overwrite the first's lock) but refuses that MOVE with 412."""
    mine = f"{url}.{token}"
    dav.send("PUT", mine, data=_body(holder, token, seconds))
    moved = dav.send("MOVE", mine, headers={"Destination": url, "Overwrite": "F"}, ok=(201, 204, 412))
    if moved.status_code == 412:
        with suppress(PipelineError):
            dav.send("DELETE", mine, ok=(200, 204, 404))
        return False
    return (_read(dav, url) or {}).get("token") == token


def _body(holder: str, token: str, seconds: int) -> bytes:
    expires = (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({**locks.holder_description(), "what": holder, "token": token, "expires": expires}).encode()


def _read(dav: Dav, url: str) -> dict[str, object] | None:
    response = dav.send("GET", url, ok=(200, 404))
    if response.status_code == 404:
        return None
    try:
        data = json.loads(response.content)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _stale(other: dict[str, object]) -> bool:
    try:
        expires = datetime.strptime(str(other.get("expires")), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return True
    return expires < datetime.now(UTC) or locks.is_stale(other)


def _keep(dav: Dav, url: str, holder: str, token: str, seconds: int, stop: threading.Event) -> None:
    """Push the expiry on halfway through each period, while the lock is still ours."""
    while not stop.wait(seconds / 2):
        with suppress(PipelineError):
            if (_read(dav, url) or {}).get("token") == token:
                dav.send("PUT", url, data=_body(holder, token, seconds))
