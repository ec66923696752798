"""The account of what a WebDAV staging collection holds: a record written once, then a small journal entry per batch of uploads.

The record (`.pipeline-staging.json` in staging) lists every file staging holds for certain and those a PUT or
DELETE was under way for; each journal entry (`<journal>/<n>.json`, n = 1, 2, …) names the files one batch of
uploads added since. Each is sent once, so a publish's bookkeeping is linear in the site; a rerun reads the record,
then the entries until one is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline.publish.targets.base import FileEntry
from pipeline.publish.targets.webdav_client import Dav, join, mkcol

STAGING_RECORD = ".pipeline-staging.json"
RECORD_EVERY = 25  # files uploaded between two journal entries


@dataclass
class Staging:
    """What the staging collection holds: `files` for certain; `pending` paths maybe (a PUT or DELETE was under way).

    Mutable on purpose: it is the running account of one upload, saved to the server as it goes.
    """

    files: dict[str, FileEntry]
    pending: set[str] = field(default_factory=set)
    resumed: bool = False
    batches: int = 0  # journal entries written since the record

    def to_json(self) -> bytes:
        return to_json({"files": dump(self.files), "pending": sorted(self.pending)})

    def confirm(self, path: str, entry: FileEntry) -> None:
        self.files[path] = entry
        self.pending.discard(path)


def save(dav: Dav, collection: str, journal: str, staging: Staging) -> None:
    """Record all that staging holds, and start its journal afresh (first: an old record without it only claims less)."""
    dav.send("DELETE", journal, ok=(200, 204, 404))
    dav.send("PUT", collection + STAGING_RECORD, data=staging.to_json())
    staging.batches = 0


def append(dav: Dav, journal: str, staging: Staging, paths: list[str]) -> None:
    """Record that `paths` are now in staging, in one small journal entry (never the whole record again)."""
    if staging.batches == 0:
        mkcol(dav, journal)
    staging.batches += 1
    entry = to_json({"files": dump({path: staging.files[path] for path in paths})})
    dav.send("PUT", join(journal, f"{staging.batches}.json"), data=entry)


def replay(dav: Dav, journal: str, staging: Staging) -> None:
    """Add what the journal says was sent after the record was written (entries 1, 2, … until one is missing)."""
    while True:
        response = dav.send("GET", join(journal, f"{staging.batches + 1}.json"), ok=(200, 404))
        if response.status_code == 404:
            return
        try:
            confirmed = load(json.loads(response.content)["files"])
        except (ValueError, KeyError, TypeError, AttributeError):
            return  # a torn entry: what it names is sent again
        for path, entry in confirmed.items():
            staging.confirm(path, entry)
        staging.batches += 1


def load_staging(content: bytes) -> Staging | None:
    try:
        data = json.loads(content)
        return Staging(load(data["files"]), {str(path) for path in data["pending"]}, resumed=True)
    except (ValueError, KeyError, TypeError):
        return None  # unreadable: start staging afresh


def dump(files: Mapping[str, FileEntry]) -> dict[str, dict[str, object]]:
    return {path: {"sha1": entry.sha1, "size": entry.size} for path, entry in sorted(files.items())}


def load(files: Mapping[str, Mapping[str, Any]]) -> dict[str, FileEntry]:
    return {str(path): FileEntry(str(entry["sha1"]), int(entry["size"])) for path, entry in files.items()}


def to_json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def folders_of(paths: Iterable[str]) -> set[str]:
    """Every folder the paths sit in ("a/b/c.html" -> "a", "a/b")."""
    return {"/".join(path.split("/")[:depth]) for path in paths for depth in range(1, path.count("/") + 1)}


def deletions(paths: list[str], kept: set[str]) -> list[str]:
    """What to DELETE so `paths` are gone: a file, or the topmost of its folders the build no longer has (trailing /)."""
    targets = set()
    for path in paths:
        segments = path.split("/")
        gone = next((depth for depth in range(1, len(segments)) if "/".join(segments[:depth]) not in kept), None)
        targets.add("/".join(segments[:gone]) + "/" if gone else path)
    return sorted(targets)
