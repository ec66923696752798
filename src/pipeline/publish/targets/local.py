"""The embedded default target: immutable deploy folders sharing files by hard link, and a `current` link switched at once.

<path>/objects/ab/abcdef…     every file ever published, once, named by its SHA-1
<path>/deploys/<id>/…         one deploy: hard links into objects/, read-only (never changed after it is made)
<path>/deploys/<id>.json      its manifest and when it was made
<path>/current -> deploys/<id>   what readers see; replaced by a rename, so they see one deploy or the other
<path>/.lock                  who is publishing right now

Objects are read-only (0444) and deploy folders too (0555), so an edit in the live folder is refused
rather than changing every deploy sharing the file; where the filesystem keeps no permissions, files
are copied instead of linked. Every OSError becomes a PublishError naming the file and how the site stands.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial as deferred
from pathlib import Path
from typing import Any

import orjson

from pipeline.publish import locks
from pipeline.publish.targets.base import Deploy, FileEntry, Manifest, Progress, PublishError, Receipt, TargetConfigError, manifest

DEFAULT_KEEP = 20  # deploys kept after a publish (the live one always stays); `keep` in site.yaml


class LocalTarget:
    """A folder on this machine; `pipeline serve --live` serves what is current."""

    def __init__(self, name: str, path: Path, keep: int = DEFAULT_KEEP) -> None:
        self.name = name
        self.path = path
        self.keep = keep
        self.objects = path / "objects"
        self.history = path / "deploys"
        self.current = path / "current"
        self.lock_path = path / ".lock"
        self._read: tuple[tuple[str, int, int, int], dict[str, FileEntry]] | None = None  # the last record read, by its stat

    def __repr__(self) -> str:
        return f"LocalTarget({self.name!r}, {str(self.path)!r})"

    def live(self) -> Manifest:
        """The live deploy's manifest, less any file changed in place since (so the plan sends it again)."""
        deploy_id = self.live_id()
        if not deploy_id:
            return {}
        with self._os_errors("read the live deploy"):
            entries = self._manifest(deploy_id)
            damaged = self._damaged(deploy_id, entries)
        return {path: entry for path, entry in entries.items() if path not in damaged}

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
        notes: list[str] = []
        with self._os_errors("publish"):
            self._tidy()
            live = self.live_id()
            damaged = self._damaged(live, self._manifest(live)) if live else {}
            if damaged:
                notes.append(
                    f"{len(damaged)} live files had been changed in place ({', '.join(sorted(damaged)[:3])}…); they were sent again"
                )
            deploy_id = self._new_id(entries)
            uploaded = sent = 0
            for path, entry in entries.items():
                if self._store(entry, deferred(files.__getitem__, path), entry.sha1 in damaged.values()):
                    uploaded, sent = uploaded + 1, sent + entry.size
                    progress(path, entry.size)
            self._assemble(deploy_id, entries, draft)
            if not draft:
                self._switch(deploy_id)
        try:
            pruned = self.prune(self.keep) if not draft else []
        except PublishError as exc:  # the new deploy is live all the same
            notes.append(exc.message)
            pruned = []
        if pruned:
            notes.append(f"pruned {len(pruned)} old deploys (keep: {self.keep}): {', '.join(pruned)}")
        url = (self.current if not draft else self.history / deploy_id).as_uri() + "/"
        return Receipt(deploy_id, url, uploaded, sent, len(entries), draft, tuple(notes))

    def deploys(self) -> list[Deploy]:
        with self._os_errors("list the deploys"):
            return self._deploys()

    def _deploys(self) -> list[Deploy]:
        live = self.live_id()
        found = []
        for record in self.history.glob("*.json") if self.history.is_dir() else []:
            meta = _read_record(record)
            if meta is None or not (self.history / record.stem).is_dir():
                continue  # not a deploy this tool made whole
            state = "live" if record.stem == live else "draft" if meta.get("draft") else "previous"
            url = (self.current if state == "live" else self.history / record.stem).as_uri() + "/"
            found.append(Deploy(record.stem, meta["created"], state, url, len(meta["files"])))
        return sorted(found, key=lambda d: (d.created, d.id), reverse=True)

    def rollback(self, deploy_id: str | None) -> Receipt:
        """Only an id `deploys` lists is accepted: never a path, `.`, or a folder that is not a whole deploy."""
        listed = self.deploys()
        if deploy_id is None:
            history = [d.id for d in listed if d.state != "draft"]  # newest first
            live = self.live_id()
            position = history.index(live) if live in history else len(history)
            if position + 1 >= len(history):
                raise PublishError(f"target '{self.name}' has no deploy before the live one to roll back to")
            deploy_id = history[position + 1]
        if deploy_id not in {d.id for d in listed}:
            raise PublishError(f"target '{self.name}' has no deploy '{deploy_id}' (see `pipeline deploys`)")
        with self._os_errors("roll back"):
            self._switch(deploy_id)
        return Receipt(deploy_id, self.current.as_uri() + "/", 0, 0, len(self._manifest(deploy_id)))

    def prune(self, keep: int) -> list[str]:
        """Remove all but the newest `keep` deploys (the live one always stays) and the files no deploy left uses."""
        with self._os_errors("prune old deploys"):
            if self.history.is_dir() and sum(1 for _ in self.history.glob("*.json")) <= keep:
                return []  # no more deploys than are kept: their records need not be read
            listed = self._deploys()
            doomed = [d.id for d in listed[keep:] if d.state != "live"]
            for deploy_id in doomed:
                (self.history / f"{deploy_id}.json").unlink()  # first its record: it is no longer listed
                folder = self.history / f"{deploy_id}.partial"
                os.replace(self.history / deploy_id, folder)  # then what remains is tidied like a half-made deploy
                _remove_tree(folder)
            if doomed:
                used = {entry.sha1 for d in listed if d.id not in doomed for entry in self._manifest(d.id).values()}
                for digest_folder in self.objects.iterdir():
                    for stored in digest_folder.iterdir():
                        if stored.name not in used:
                            stored.unlink()
        return doomed

    @contextmanager
    def lock(self, holder: str) -> Iterator[list[str]]:
        with locks.hold(self.lock_path, f"target '{self.name}'") as notes:
            yield notes

    def _store(self, entry: FileEntry, data: Callable[[], bytes], damaged: bool = False) -> bool:
        """Keep `data()` under its digest, read-only; False when it was already there whole (nothing to send, nothing made)."""
        stored = f"{self.objects}/{entry.sha1[:2]}/{entry.sha1}"  # a string, not a Path: this runs for every file of a deploy
        if not damaged and (found := _stat(stored)):
            if found.st_mode & 0o222:
                os.chmod(stored, 0o444)  # stored by an earlier version of this tool: protected from now on
            return False
        target = Path(stored)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{entry.sha1}.{os.getpid()}.partial")
        partial.write_bytes(data())
        os.chmod(partial, 0o444)
        os.replace(partial, target)
        return True

    def _assemble(self, deploy_id: str, entries: dict[str, FileEntry], draft: bool) -> None:
        """Make the deploy folder from hard links, then its record, then rename it into place."""
        self.history.mkdir(parents=True, exist_ok=True)
        partial = self.history / f"{deploy_id}.partial"
        partial.mkdir()
        base, objects = str(partial), str(self.objects)
        folders = {""}
        protected = None  # whether this filesystem keeps the read-only bit (else files are copied, not shared)
        for path, entry in entries.items():  # plain strings and os calls: a deploy is thousands of links
            parent = path.rpartition("/")[0]
            if parent not in folders:
                os.makedirs(f"{base}/{parent}", exist_ok=True)
                while parent and parent not in folders:
                    folders.add(parent)
                    parent = parent.rpartition("/")[0]
            stored = f"{objects}/{entry.sha1[:2]}/{entry.sha1}"
            if protected is None:
                protected = not os.stat(stored).st_mode & 0o222
            if protected:
                os.link(stored, f"{base}/{path}")
            else:
                shutil.copyfile(stored, f"{base}/{path}")
        for folder in sorted(folders, key=lambda f: f.count("/") if f else -1, reverse=True):
            os.chmod(f"{base}/{folder}" if folder else base, 0o555)
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
                _remove_tree(leftover)
            else:
                leftover.unlink(missing_ok=True)

    def _switch(self, deploy_id: str) -> None:
        """Point `current` at the deploy with one rename: readers see the old deploy or the new one."""
        pointer = self.path / f".current.{os.getpid()}"
        pointer.unlink(missing_ok=True)
        os.symlink(f"deploys/{deploy_id}", pointer)
        os.replace(pointer, self.current)

    def _manifest(self, deploy_id: str) -> dict[str, FileEntry]:
        """A deploy's manifest from its record (read once per process: a record is never changed after it is written)."""
        record = self.history / f"{deploy_id}.json"
        try:
            st = os.stat(record)
        except FileNotFoundError:
            return {}
        seen = (deploy_id, st.st_ino, st.st_size, st.st_mtime_ns)
        if self._read is None or self._read[0] != seen:
            meta = _read_record(record)
            files = meta["files"] if meta else {}
            self._read = (seen, {path: FileEntry(sha1, size) for path, (sha1, size) in files.items()})
        return dict(self._read[1])

    def _damaged(self, deploy_id: str, entries: Mapping[str, FileEntry]) -> dict[str, str]:
        """Live files changed in place since the deploy was made (path -> digest): missing, resized, or newer than its record."""
        if not entries:
            return {}  # no record: nothing it vouches for
        folder = str(self.history / deploy_id)
        made = (self.history / f"{deploy_id}.json").stat().st_mtime_ns
        damaged = {}
        for path, entry in entries.items():
            try:
                found = os.lstat(f"{folder}/{path}")
            except FileNotFoundError:
                damaged[path] = entry.sha1
                continue
            if not stat.S_ISREG(found.st_mode) or found.st_size != entry.size or found.st_mtime_ns > made:
                damaged[path] = entry.sha1
        return damaged

    @contextmanager
    def _os_errors(self, action: str) -> Iterator[None]:
        """An OSError as a PublishError naming the file, the reason, and what readers see now."""
        try:
            yield
        except OSError as exc:
            where = exc.filename or self.path
            live = self._live_or_none()
            state = f"deploy {live} is still live, unchanged" if live else "nothing is live yet"
            raise PublishError(
                f"target '{self.name}': could not {action}: {where}: {exc.strerror or exc}; {state}; "
                "fix the cause and run the command again (it picks up where it stopped)"
            ) from exc

    def _live_or_none(self) -> str | None:
        try:
            return self.live_id()
        except OSError:
            return None

    def _new_id(self, entries: dict[str, FileEntry]) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        digest = manifest({"": json.dumps({p: e.sha1 for p, e in entries.items()}).encode()})[""].sha1[:8]
        deploy_id, n = f"{stamp}-{digest}", 1
        while (self.history / deploy_id).exists() or (self.history / f"{deploy_id}.json").exists():
            n += 1
            deploy_id = f"{stamp}-{digest}-{n}"
        return deploy_id


def _read_record(record: Path) -> dict[str, Any] | None:
    """A deploy's record, or None when it is missing or not one this tool wrote."""
    try:
        meta = orjson.loads(record.read_bytes())  # a record lists every file: read after each publish, when old deploys are pruned
    except FileNotFoundError:
        return None
    except ValueError:  # orjson.JSONDecodeError is one, and so is text that is not UTF-8
        return None
    ok = isinstance(meta, dict) and isinstance(meta.get("created"), str) and isinstance(meta.get("files"), dict)
    return meta if ok else None


def _stat(path: str | Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None


def _remove_tree(folder: Path) -> None:
    """Remove a (read-only) deploy folder: its folders are made writable first, the files in it stay as they are."""
    for inner, _, _ in os.walk(folder):
        os.chmod(inner, 0o755)
    shutil.rmtree(folder)


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
    return LocalTarget(name, path, int(options.get("keep", DEFAULT_KEEP)))


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
