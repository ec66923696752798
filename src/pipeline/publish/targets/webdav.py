"""The `webdav` publish target: assemble each deploy in a staging collection beside the live one, then move it in.

Layout on the server, for `url: https://dav.example.org/sites/blog/` and a target named `dav`:

    sites/blog/                the live site; its .pipeline-manifest.json says what it holds (path -> sha1, size)
    sites/.dav.staging/        the deploy being assembled; .pipeline-staging.json records what it held when the upload began
    sites/.dav.journal/<n>.json  what each batch of uploads added since (a few files each: the bytes stay linear in the site)
    sites/.dav.deploys/<id>/   earlier deploys for rollback (the newest `keep`)
    sites/.dav.drafts/<id>/    drafts: assembled like a deploy, never made live
    sites/.dav.lock            a zero-byte resource a publish holds an exclusive WebDAV LOCK on
    sites/.dav.lock.json       on a server without LOCK (stock nginx): the lock itself, naming holder and expiry
    sites/.dav.deploys.json    the ids in .dav.deploys/ and .dav.drafts/, for servers that cannot list a collection

A publish COPYs the live collection to staging on the server, PUTs only the files whose SHA-1 differs,
DELETEs what the build no longer has and PUTs the manifest last. An interrupted publish leaves staging,
its record and the journal behind; the rerun sends only what they do not vouch for. Folders are made
with MKCOL one depth at a time, each depth's in parallel.

The switch (two MOVEs, a short 404 between, never a mix) is webdav_switch's; what servers do differently
(stock Apache's index.html, stock nginx without PROPFIND) is webdav_compat's. Where a collection COPY is
refused (Apache, when the live site has an index.html), staging is made by COPYing each file instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.errors import PipelineError
from pipeline.publish.targets.base import Deploy, FileEntry, Progress, PublishError, Receipt, TargetConfigError, manifest
from pipeline.publish.targets.webdav_client import (
    Dav,
    LockUnsupported,
    Settings,
    break_lock,
    credentials,
    exclusive_lock,
    join,
    last,
    mkcol,
    read_settings,
    shown,
)
from pipeline.publish.targets.webdav_compat import children, exists, remove
from pipeline.publish.targets.webdav_lockfile import release, resource_lock
from pipeline.publish.targets.webdav_staging import (
    RECORD_EVERY,
    STAGING_RECORD,
    Staging,
    append,
    deletions,
    dump,
    folders_of,
    load,
    load_staging,
    replay,
    save,
    to_json,
)
from pipeline.publish.targets.webdav_switch import ASIDE, Layout, listed, move, swap

MANIFEST = ".pipeline-manifest.json"
LOCK_SECONDS = 600


@dataclass(frozen=True, slots=True)
class _Record:
    """A deploy's manifest as stored in its collection."""

    deploy_id: str
    created: str
    files: dict[str, FileEntry]

    def to_json(self) -> bytes:
        return to_json({"deploy_id": self.deploy_id, "created": self.created, "files": dump(self.files)})


def from_config(name: str, options: Mapping[str, Any], root: Path) -> WebDavTarget:
    """The webdav target `name` from its site.yaml options; TargetConfigError says what is wrong."""
    settings = read_settings(name, options)
    return WebDavTarget(name, settings, credentials(name, settings))


class WebDavTarget:
    """Publishes to a WebDAV collection (see the module docstring for the layout and the switch)."""

    def __init__(self, name: str, settings: Settings, auth: tuple[str, str] | None) -> None:
        self.name = name
        self.settings = settings
        self.layout = Layout.of(name, settings.url)
        self._auth = auth

    def __repr__(self) -> str:
        return f"WebDavTarget(name={self.name!r}, url={self.settings.url!r})"

    @property
    def _readers(self) -> str:
        """Where readers see the live site: `public_url`, or the collection itself."""
        return self.settings.public_url or self.layout.live

    def live(self) -> dict[str, FileEntry]:
        with self._connect() as dav:
            record = _read_record(dav, self.layout.live)
            if record is None:
                self._check_parent(dav)
                return {}
            return record.files

    def publish(self, files: Mapping[str, bytes], draft: bool, progress: Progress) -> Receipt:
        for path in files:
            _segments(path)
        build = manifest(files)
        with self._connect() as dav:
            self._check_parent(dav)
            live = _read_record(dav, self.layout.live)
            if not draft and live is not None and live.files == build:
                return Receipt(live.deploy_id, self._readers, 0, 0, len(build), notes=(f"nothing changed: {live.deploy_id} stays live",))
            staging = self._open_staging(dav, live)
            notes = [f"resumed an interrupted publish: {len(staging.files)} files were already staged"] if staging.resumed else []
            sent, sent_bytes = self._fill(dav, staging, files, build, progress)
            record = _Record(_new_id(), _now(), build)
            dav.send("PUT", self.layout.staging + MANIFEST, data=record.to_json())
            dav.send("DELETE", self.layout.staging + STAGING_RECORD, ok=(200, 204, 404))
            try:
                url, more = self._to_drafts(dav, record.deploy_id) if draft else self._to_live(dav, live)
            except PipelineError:
                with suppress(PipelineError):  # staging is still complete: let the rerun reuse it
                    save(dav, self.layout.staging, self.layout.journal, staging)
                raise
            with suppress(PipelineError):  # what it vouched for is live now; a leftover is never read without a record
                dav.send("DELETE", self.layout.journal, ok=(200, 204, 404))
            more += self._prune(dav, self.layout.drafts if draft else self.layout.deploys)
            return Receipt(record.deploy_id, url, sent, sent_bytes, len(build), draft, tuple(notes + more))

    def deploys(self) -> list[Deploy]:
        with self._connect() as dav:
            self._check_parent(dav)
            found = []
            live = _read_record(dav, self.layout.live)
            if live is not None:
                found.append(Deploy(live.deploy_id, live.created, "live", self._readers, len(live.files)))
            for collection, state in ((self.layout.deploys, "previous"), (self.layout.drafts, "draft")):
                for deploy_id in self._children(dav, collection):
                    url = join(collection, deploy_id + "/")
                    record = _read_record(dav, url)
                    if record is None:
                        found.append(Deploy(deploy_id, "", "error", url))
                    else:
                        found.append(Deploy(deploy_id, record.created, state, url, len(record.files)))
            return sorted(found, key=lambda deploy: (deploy.created, deploy.id), reverse=True)

    def rollback(self, deploy_id: str | None) -> Receipt:
        with self._connect() as dav:
            self._check_parent(dav)
            live = _read_record(dav, self.layout.live)
            if live is not None and deploy_id == live.deploy_id:
                raise PublishError(f"deploy {deploy_id} is already live on target {self.name}")
            source = self._find(dav, deploy_id)
            chosen = _read_record(dav, source)
            if chosen is None:
                raise PublishError(f"deploy {last(source)} on target {self.name} has no manifest; it cannot be made live")
            old = swap(dav, self.layout, source, live.deploy_id if live else None, _new_id())
            key = "drafts" if source.startswith(self.layout.drafts) else "deploys"
            notes = listed(dav, self.layout, key, drop=(last(source),))
            notes += listed(dav, self.layout, "deploys", add=(old,)) if old else []
            notes += [f"{old} is kept as an earlier deploy"] if old else []
            return Receipt(chosen.deploy_id, self._readers, 0, 0, len(chosen.files), notes=tuple(notes))

    @contextmanager
    def lock(self, holder: str) -> Iterator[list[str]]:
        """A WebDAV LOCK on the lock resource; on a server without LOCK, a lock resource of our own (webdav_lockfile)."""
        with self._connect() as dav, ExitStack() as stack:
            self._check_parent(dav)
            try:
                notes = stack.enter_context(exclusive_lock(dav, self.layout.lock, holder, LOCK_SECONDS))
            except LockUnsupported:
                notes = stack.enter_context(resource_lock(dav, self.layout.lock + ".json", holder, LOCK_SECONDS))
            yield notes

    def unlock(self) -> str:
        """Remove the lock a publish that is gone left: the WebDAV LOCK on the lock resource (UNLOCK with the token the
        server shows), or the lock resource of a server without LOCK; says what it removed and whose it was."""
        with self._connect() as dav:
            holder = break_lock(dav, self.layout.lock)
            message = release(dav, self.layout.lock + ".json")
        if holder is not None:
            return f"removed the WebDAV LOCK on {shown(self.layout.lock)} of target '{self.name}' held by {holder}" + (
                f"; also {message}" if "held by" in message else ""
            )
        if "held by" in message:
            return message
        return f"{message}: the server shows no WebDAV LOCK on {shown(self.layout.lock)} and there is no lock resource"

    # --- assembling a deploy -------------------------------------------------------------------

    def _open_staging(self, dav: Dav, live: _Record | None) -> Staging:
        """Reuse the staging collection an interrupted run recorded, or start it from a server-side copy of the live site."""
        staging = self.layout.staging
        response = dav.send("GET", staging + STAGING_RECORD, ok=(200, 404))
        if response.status_code == 200 and (record := load_staging(response.content)) is not None:
            replay(dav, self.layout.journal, record)
            return record
        remove(dav, staging)  # a leftover that no record vouches for
        if live is None:
            dav.send("MKCOL", staging, ok=(201,))
            return Staging({})
        headers = {"Destination": staging, "Depth": "infinity", "Overwrite": "T"}
        if dav.send("COPY", self.layout.live, headers=headers, ok=(201, 204, 405)).status_code == 405:
            self._copy_files(dav, live.files)  # the server maps the live URI to its index.html (stock Apache)
        return Staging(dict(live.files))

    def _copy_files(self, dav: Dav, files: Mapping[str, FileEntry]) -> None:
        """Make staging a copy of the live site file by file, on the server: its folders, then a COPY of each file."""
        dav.send("MKCOL", self.layout.staging, ok=(201,))
        self._make_folders(dav, sorted(folders_of(files)))
        with ThreadPoolExecutor(self.settings.concurrency, thread_name_prefix=f"webdav-{self.name}") as pool:
            copies = [
                pool.submit(
                    dav.send,
                    "COPY",
                    join(self.layout.live, path),
                    headers={"Destination": join(self.layout.staging, path), "Depth": "0", "Overwrite": "T"},
                    ok=(201, 204),
                )
                for path in sorted(files)
            ]
            for future in copies:
                future.result()

    def _fill(
        self, dav: Dav, staging: Staging, files: Mapping[str, bytes], build: dict[str, FileEntry], progress: Progress
    ) -> tuple[int, int]:
        """Make staging hold exactly `build`: delete what it no longer has, send what differs. Returns (files, bytes) sent."""
        existing = folders_of(staging.files)
        to_put = sorted(path for path, entry in build.items() if staging.files.get(path) != entry)
        to_delete = sorted((set(staging.files) | staging.pending) - set(build))
        for path in to_put + to_delete:
            staging.files.pop(path, None)
        staging.pending.update(to_put, to_delete)
        save(dav, self.layout.staging, self.layout.journal, staging)  # from here on, the record never claims more than staging holds
        for target in deletions(to_delete, folders_of(build)):
            remove(dav, join(self.layout.staging, target))
        staging.pending.difference_update(to_delete)
        self._make_folders(dav, sorted(folders_of(to_put) - existing))
        return self._upload(dav, staging, files, build, to_put, progress)

    def _make_folders(self, dav: Dav, folders: list[str]) -> None:
        """MKCOL each folder in staging: one depth after the other (a folder needs its parent), each depth in parallel."""
        by_depth: dict[int, list[str]] = {}
        for folder in folders:
            by_depth.setdefault(folder.count("/"), []).append(folder)
        with ThreadPoolExecutor(self.settings.concurrency, thread_name_prefix=f"webdav-{self.name}") as pool:
            for depth in sorted(by_depth):
                urls = [join(self.layout.staging, folder + "/") for folder in by_depth[depth]]
                list(pool.map(lambda url: dav.send("MKCOL", url, ok=(201, 405)), urls))  # 405: it exists already

    def _upload(
        self, dav: Dav, staging: Staging, files: Mapping[str, bytes], build: dict[str, FileEntry], paths: list[str], progress: Progress
    ) -> tuple[int, int]:
        sent = sent_bytes = 0
        pool = ThreadPoolExecutor(self.settings.concurrency, thread_name_prefix=f"webdav-{self.name}")
        futures = {pool.submit(dav.send, "PUT", join(self.layout.staging, path), data=files[path]): path for path in paths}
        batch: list[str] = []
        try:
            for future in as_completed(futures):
                path = futures[future]
                future.result()
                staging.confirm(path, build[path])
                batch.append(path)
                sent, sent_bytes = sent + 1, sent_bytes + build[path].size
                progress(path, build[path].size)
                if len(batch) == RECORD_EVERY:
                    append(dav, self.layout.journal, staging, batch)
                    batch = []
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            for future, path in futures.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    staging.confirm(path, build[path])
            with suppress(PipelineError):
                save(dav, self.layout.staging, self.layout.journal, staging)
            raise
        pool.shutdown()
        if batch:
            append(dav, self.layout.journal, staging, batch)
        return sent, sent_bytes

    # --- switching ---------------------------------------------------------------------------------

    def _to_live(self, dav: Dav, live: _Record | None) -> tuple[str, list[str]]:
        old = swap(dav, self.layout, self.layout.staging, live.deploy_id if live else None, _new_id())
        notes = listed(dav, self.layout, "deploys", add=(old,)) if old else []
        return self._readers, [*notes, f"{old} is kept for rollback"] if old else notes

    def _to_drafts(self, dav: Dav, deploy_id: str) -> tuple[str, list[str]]:
        mkcol(dav, self.layout.drafts)
        url = join(self.layout.drafts, deploy_id + "/")
        move(dav, self.layout.staging, url)
        return url, listed(dav, self.layout, "drafts", add=(deploy_id,))

    def _prune(self, dav: Dav, collection: str) -> list[str]:
        """Delete all but the newest `keep` deploys in `collection` (ids sort by time); returns notes. The deploy is done: never raises."""
        try:
            names = self._children(dav, collection)
            old = sorted((name for name in names if _DEPLOY_ID.fullmatch(name)), reverse=True)[self.settings.keep :]
            for deploy_id in old:
                remove(dav, join(collection, deploy_id + "/"))
        except PipelineError as exc:
            return [f"could not remove old deploys from {shown(collection)}: {exc.message}"]
        if not old:
            return []
        notes = listed(dav, self.layout, self._key(collection), drop=tuple(old))
        return [*notes, f"removed {len(old)} old deploy(s) from {shown(collection)}, keeping the newest {self.settings.keep}"]

    def _find(self, dav: Dav, deploy_id: str | None) -> str:
        """The collection of `deploy_id` (an earlier deploy or a draft), or of the newest earlier deploy."""
        earlier = sorted(self._children(dav, self.layout.deploys), reverse=True)
        if deploy_id is None:
            if not earlier:
                raise PublishError(f"target {self.name} has no earlier deploy to roll back to")
            return join(self.layout.deploys, earlier[0] + "/")
        if deploy_id in earlier:
            return join(self.layout.deploys, deploy_id + "/")
        if deploy_id in self._children(dav, self.layout.drafts):
            return join(self.layout.drafts, deploy_id + "/")
        raise PublishError(f"target {self.name} has no deploy {deploy_id!r}; `pipeline deploys` lists them")

    def _key(self, collection: str) -> str:
        return "drafts" if collection == self.layout.drafts else "deploys"

    def _children(self, dav: Dav, collection: str) -> list[str]:
        """The deploy ids in `collection` (deploys or drafts): listed by the server, or by our listing where it cannot."""
        return children(dav, collection, self.layout.listing, self._key(collection))

    # --- checks --------------------------------------------------------------------------

    def _check_parent(self, dav: Dav) -> None:
        if not exists(dav, self.layout.parent):
            raise TargetConfigError(
                f"target {self.name}: the WebDAV collection {shown(self.layout.parent)} does not exist on {urlsplit(self.settings.url).netloc}; "
                "create it, or fix `url`"
            )

    @contextmanager
    def _connect(self) -> Iterator[Dav]:
        dav = Dav(self.name, self.settings, self._auth)
        try:
            yield dav
        finally:
            dav.session.close()


# --- helpers -----------------------------------------------------------------------------------------


def _segments(path: str) -> list[str]:
    """The segments of an output path; PublishError for one that could leave the collection or hide our records."""
    segments = path.split("/")
    if any(segment in ("", ".", "..") for segment in segments) or path in (MANIFEST, STAGING_RECORD, ASIDE):
        raise PublishError(f"cannot publish {path!r}: not a plain relative path inside the site")
    return segments


def _read_record(dav: Dav, collection: str) -> _Record | None:
    """The manifest of the deploy in `collection`, or None when it has none."""
    response = dav.send("GET", collection + MANIFEST, ok=(200, 404))
    if response.status_code == 404:
        return None
    try:
        data = json.loads(response.content)
        return _Record(str(data["deploy_id"]), str(data["created"]), load(data["files"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise PublishError(f"{shown(collection + MANIFEST)} is not a manifest this pipeline wrote ({exc})") from None


_DEPLOY_ID = re.compile(r"\d{8}T\d{6}\.\d{3}Z")  # what _new_id makes: the only names _prune deletes


def _new_id() -> str:
    """A deploy id that sorts by time: 20240312T101112.345Z."""
    now = datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%S.") + f"{now.microsecond // 1000:03d}Z"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
