"""The embedded default target: immutable deploy folders sharing files by hard link, and a `current` link switched at once.

<path>/objects/ab/abcdef…     every file ever published, once, named by its SHA-1
<path>/deploys/<id>/…         one deploy: hard links into objects/ (never changed after it is made)
<path>/deploys/<id>.json      its manifest and when it was made
<path>/current -> deploys/<id>   what readers see; replaced by a rename, so they see one deploy or the other
<path>/.lock                  who is publishing right now
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.publish import locks
from pipeline.publish.targets.base import Deploy, FileEntry, Manifest, Progress, PublishError, Receipt, TargetConfigError, manifest


class LocalTarget:
    """A folder on this machine; `pipeline serve --live` serves what is current."""

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self.objects = path / "objects"
        self.history = path / "deploys"
        self.current = path / "current"

    def __repr__(self) -> str:
        return f"LocalTarget({self.name!r}, {str(self.path)!r})"

    def live(self) -> Manifest:
        deploy_id = self.live_id()
        return self._manifest(deploy_id) if deploy_id else {}

    def live_id(self) -> str | None:
        """The id of the deploy readers see, if any: `current` must name a deploy of this target (it is the only link the target makes)."""
        if not self.current.is_symlink():
            return None
        target = os.readlink(self.current)
        deploy_id = target.rsplit("/", 1)[-1]
        if target != f"deploys/{deploy_id}" or deploy_id in ("", ".", ".."):
            raise PublishError(f"{self.current} points to {target!r}, not to one of its deploys; remove it")
        return deploy_id

    def live_folder(self) -> Path:
        """The folder readers see (for `serve --live`), after checking `current` names one of the target's deploys."""
        deploy_id = self.live_id()
        if deploy_id is None:
            raise PublishError(f"nothing is live on target '{self.name}' yet: run `pipeline publish`")
        return self.history / deploy_id

    def publish(self, files: Mapping[str, bytes], draft: bool, progress: Progress) -> Receipt:
        entries = manifest(files)
        self._tidy()
        deploy_id = self._new_id(entries)
        uploaded = sent = 0
        for path, entry in entries.items():
            if self._store(entry, files[path]):
                uploaded, sent = uploaded + 1, sent + entry.size
                progress(path, entry.size)
        self._assemble(deploy_id, entries, draft)
        if not draft:
            self._switch(deploy_id)
        url = (self.current if not draft else self.history / deploy_id).as_uri() + "/"
        return Receipt(deploy_id, url, uploaded, sent, len(entries), draft)

    def deploys(self) -> list[Deploy]:
        live = self.live_id()
        found = []
        for record in self.history.glob("*.json") if self.history.is_dir() else []:
            meta = json.loads(record.read_text("utf-8"))
            state = "live" if record.stem == live else "draft" if meta.get("draft") else "previous"
            url = (self.current if state == "live" else self.history / record.stem).as_uri() + "/"
            found.append(Deploy(record.stem, meta["created"], state, url, len(meta["files"])))
        return sorted(found, key=lambda d: (d.created, d.id), reverse=True)

    def rollback(self, deploy_id: str | None) -> Receipt:
        if deploy_id is None:
            history = [d.id for d in self.deploys() if d.state != "draft"]  # newest first
            live = self.live_id()
            position = history.index(live) if live in history else len(history)
            if position + 1 >= len(history):
                raise PublishError(f"target '{self.name}' has no deploy before the live one to roll back to")
            deploy_id = history[position + 1]
        if not (self.history / deploy_id).is_dir():
            raise PublishError(f"target '{self.name}' has no deploy '{deploy_id}' (see `pipeline deploys`)")
        self._switch(deploy_id)
        return Receipt(deploy_id, self.current.as_uri() + "/", 0, 0, len(self._manifest(deploy_id)))

    @contextmanager
    def lock(self, holder: str) -> Iterator[list[str]]:
        with locks.hold(self.path / ".lock", f"target '{self.name}'") as notes:
            yield notes

    def _store(self, entry: FileEntry, data: bytes) -> bool:
        """Keep `data` under its digest; False when it was already there (nothing to send)."""
        target = self.objects / entry.sha1[:2] / entry.sha1
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{entry.sha1}.{os.getpid()}.partial")
        partial.write_bytes(data)
        os.replace(partial, target)
        return True

    def _assemble(self, deploy_id: str, entries: dict[str, FileEntry], draft: bool) -> None:
        """Make the deploy folder from hard links, then its record, then rename it into place."""
        self.history.mkdir(parents=True, exist_ok=True)
        partial = self.history / f"{deploy_id}.partial"
        for path, entry in entries.items():
            target = partial / path
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(self.objects / entry.sha1[:2] / entry.sha1, target)
        os.replace(partial, self.history / deploy_id)  # first the folder, then its record: no record without a deploy
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        record: dict[str, Any] = {"created": created, "draft": draft, "files": {p: [e.sha1, e.size] for p, e in entries.items()}}
        pending = self.history / f".{deploy_id}.json.{os.getpid()}"
        pending.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(pending, self.history / f"{deploy_id}.json")

    def _tidy(self) -> None:
        """Remove what an interrupted publish left half-made (the lock is held, so nobody else is writing)."""
        leftovers = [*self.path.glob(".current.*"), *self.history.glob("*.partial"), *self.history.glob(".*.json.*")]
        leftovers += list(self.objects.glob("*/*.partial")) if self.objects.is_dir() else []
        for leftover in leftovers:
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)

    def _switch(self, deploy_id: str) -> None:
        """Point `current` at the deploy with one rename: readers see the old deploy or the new one."""
        pointer = self.path / f".current.{os.getpid()}"
        pointer.unlink(missing_ok=True)
        os.symlink(f"deploys/{deploy_id}", pointer)
        os.replace(pointer, self.current)

    def _manifest(self, deploy_id: str) -> dict[str, FileEntry]:
        record = self.history / f"{deploy_id}.json"
        if not record.is_file():
            return {}
        files = json.loads(record.read_text("utf-8"))["files"]
        return {path: FileEntry(sha1, size) for path, (sha1, size) in files.items()}

    def _new_id(self, entries: dict[str, FileEntry]) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        digest = manifest({"": json.dumps({p: e.sha1 for p, e in entries.items()}).encode()})[""].sha1[:8]
        deploy_id, n = f"{stamp}-{digest}", 1
        while (self.history / deploy_id).exists() or (self.history / f"{deploy_id}.json").exists():
            n += 1
            deploy_id = f"{stamp}-{digest}-{n}"
        return deploy_id


def from_config(name: str, options: Mapping[str, Any], root: Path) -> LocalTarget:
    """A local target from site.yaml; `path` is relative to the site root and must stay inside it."""
    raw = options.get("path")
    if not isinstance(raw, str) or not raw:
        raise TargetConfigError(f"target '{name}': `path` is required for a local target")
    path = (root / raw).resolve()
    site = root.resolve()
    if not path.is_relative_to(site) or path == site or path.is_relative_to(site / "content"):
        raise TargetConfigError(f"target '{name}': path '{raw}' must be a folder inside the site (not the site itself or content/)")
    link = _first_link(root, raw)
    if link:
        raise TargetConfigError(f"target '{name}': {link} is a link; a local target's folders may not be links (remove it)")
    return LocalTarget(name, path)


def _first_link(root: Path, raw: str) -> str | None:
    """The first link on the way to the target's folder or in its own folders (objects/, deploys/), checked with lstat."""
    current = root
    for part in Path(raw).parts:
        current = current / part
        if current.is_symlink():
            return str(current)
    for own in ("objects", "deploys"):
        if (current / own).is_symlink():
            return str(current / own)
    return None
