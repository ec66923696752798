"""The `webdav` publish target: assemble each deploy in a staging collection beside the live one, then move it in.

Layout on the server, for `url: https://dav.example.org/sites/blog/` and a target named `dav`:

    sites/blog/                the live site; its .pipeline-manifest.json says what it holds (path -> sha1, size)
    sites/.dav.staging/        the deploy being assembled; .pipeline-staging.json records what it held when the upload began
    sites/.dav.journal/<n>.json  what each batch of uploads added since (a few files each: the bytes stay linear in the site)
    sites/.dav.deploys/<id>/   earlier deploys for rollback (the newest `keep`)
    sites/.dav.drafts/<id>/    drafts: assembled like a deploy, never made live
    sites/.dav.lock            a zero-byte resource a publish holds an exclusive WebDAV LOCK on
    sites/.dav.lock.json       on a server without LOCK (stock nginx): the lock itself, naming holder and expiry

A publish COPYs the live collection to staging on the server, PUTs only the files whose SHA-1 differs,
DELETEs what the build no longer has and PUTs the manifest last. An interrupted publish leaves staging,
its record and the journal behind; the rerun sends only what they do not vouch for. Folders are made
with MKCOL one depth at a time, each depth's in parallel.

How atomic the switch is: WebDAV cannot swap two collections in one step. `MOVE` with `Overwrite: T`
onto the live collection is a DELETE of the destination followed by the move (RFC 4918, 9.9.3), and
wsgidav does just that (a recursive delete, then a rename), so readers could meet a half-deleted old
site: a mix. BIND (RFC 5842) could rebind atomically but few servers implement it (wsgidav doesn't). So
the switch is two MOVEs, live -> deploys/<old id>, then staging -> live, each a single rename on the
server: readers get the whole old site or the whole new one, and between the two MOVEs the live URL
answers 404 — never a mix. How long that lasts is up to the server: wsgidav lists the whole tree it moves
before renaming it (about 0.1 ms a file), so on loopback under read load the 404s lasted ~40 ms for 100
files, ~0.4 s for 1,000 and ~2 s for 5,000; a server that renames at once needs about one round trip.
If the second MOVE fails, the old deploy is moved back and PublishError raised.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from pipeline.errors import PipelineError
from pipeline.publish.targets.base import Deploy, FileEntry, Progress, PublishError, Receipt, TargetConfigError, manifest
from pipeline.publish.targets.webdav_client import (
    Dav,
    LockUnsupported,
    Settings,
    children,
    credentials,
    exclusive_lock,
    exists,
    join,
    last,
    mkcol,
    read_settings,
    shown,
)
from pipeline.publish.targets.webdav_lockfile import release, resource_lock
from pipeline.publish.targets.webdav_staging import (
    RECORD_EVERY,
    STAGING_RECORD,
    Staging,
    append,
    dump,
    load,
    load_staging,
    replay,
    save,
    to_json,
)

MANIFEST = ".pipeline-manifest.json"
LOCK_SECONDS = 600


@dataclass(frozen=True, slots=True)
class Layout:
    """The URLs of the live collection and its siblings."""

    live: str
    staging: str
    deploys: str
    drafts: str
    lock: str
    journal: str

    @classmethod
    def of(cls, name: str, live: str) -> Layout:
        parent = live[: live.rstrip("/").rfind("/") + 1]
        sibling = parent + quote(f".{name}", safe="")
        return cls(live, sibling + ".staging/", sibling + ".deploys/", sibling + ".drafts/", sibling + ".lock", sibling + ".journal/")

    @property
    def parent(self) -> str:
        return self.live[: self.live.rstrip("/").rfind("/") + 1]


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
                for deploy_id in children(dav, collection):
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
            old = self._swap(dav, source, live)
            notes = (f"{old} is kept as an earlier deploy",) if old else ()
            return Receipt(chosen.deploy_id, self._readers, 0, 0, len(chosen.files), notes=notes)

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
        """Remove a lock resource left by a publish that is gone (a WebDAV LOCK expires on the server by itself)."""
        with self._connect() as dav:
            message = release(dav, self.layout.lock + ".json")
        return message if "held by" in message else f"{message} by a lock resource; a WebDAV LOCK ends by itself when its timeout runs out"

    # --- assembling a deploy -------------------------------------------------------------------

    def _open_staging(self, dav: Dav, live: _Record | None) -> Staging:
        """Reuse the staging collection an interrupted run recorded, or start it from a server-side copy of the live site."""
        staging = self.layout.staging
        response = dav.send("GET", staging + STAGING_RECORD, ok=(200, 404))
        if response.status_code == 200 and (record := load_staging(response.content)) is not None:
            replay(dav, self.layout.journal, record)
            return record
        dav.send("DELETE", staging, ok=(200, 204, 404))  # a leftover that no record vouches for
        if live is None:
            dav.send("MKCOL", staging, ok=(201,))
            return Staging({})
        dav.send("COPY", self.layout.live, headers={"Destination": staging, "Depth": "infinity", "Overwrite": "T"}, ok=(201, 204))
        return Staging(dict(live.files))

    def _fill(
        self, dav: Dav, staging: Staging, files: Mapping[str, bytes], build: dict[str, FileEntry], progress: Progress
    ) -> tuple[int, int]:
        """Make staging hold exactly `build`: delete what it no longer has, send what differs. Returns (files, bytes) sent."""
        existing = _dirs(staging.files)
        to_put = sorted(path for path, entry in build.items() if staging.files.get(path) != entry)
        to_delete = sorted((set(staging.files) | staging.pending) - set(build))
        for path in to_put + to_delete:
            staging.files.pop(path, None)
        staging.pending.update(to_put, to_delete)
        save(dav, self.layout.staging, self.layout.journal, staging)  # from here on, the record never claims more than staging holds
        for target in _deletions(to_delete, _dirs(build)):
            dav.send("DELETE", join(self.layout.staging, target), ok=(200, 204, 404))
        staging.pending.difference_update(to_delete)
        self._make_folders(dav, sorted(_dirs(to_put) - existing))
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
        old = self._swap(dav, self.layout.staging, live)
        return self._readers, [f"{old} is kept for rollback"] if old else []

    def _to_drafts(self, dav: Dav, deploy_id: str) -> tuple[str, list[str]]:
        mkcol(dav, self.layout.drafts)
        url = join(self.layout.drafts, deploy_id + "/")
        dav.send("MOVE", self.layout.staging, headers={"Destination": url, "Overwrite": "F"}, ok=(201, 204), retry=False)
        return url, []

    def _swap(self, dav: Dav, source: str, live: _Record | None) -> str | None:
        """Move the live collection into the deploys and `source` into its place; returns the id the old one is kept under.

        Every failure either moves the old deploy back (and raises PublishError saying it is live again) or raises one
        saying exactly where both deploys are and the one command that makes the old one live again.
        """
        into_place = {"Destination": self.layout.live, "Overwrite": "F"}
        if live is None and not exists(dav, self.layout.live):
            dav.send("MOVE", source, headers=into_place, ok=(201, 204), retry=False)
            return None
        old_id = live.deploy_id if live is not None else _new_id()  # a live site from before this target: kept too
        mkcol(dav, self.layout.deploys)
        kept = join(self.layout.deploys, old_id + "/")
        try:
            dav.send("MOVE", self.layout.live, headers={"Destination": kept, "Overwrite": "F"}, ok=(201, 204), retry=False)
        except PipelineError as exc:
            if _probe(dav, self.layout.live) is not False:
                raise  # nothing moved (or the server cannot say): the old deploy is still where readers find it
            self._restore(dav, kept, old_id, exc)  # the server moved it but its answer was lost
            raise PublishError(f"making the new deploy live failed ({exc.message}); {old_id} is live") from exc
        try:
            dav.send("MOVE", source, headers=into_place, ok=(201, 204), retry=False)
        except PipelineError as exc:
            if _probe(dav, self.layout.live):
                return old_id  # the server moved it but its answer was lost: the new deploy is live
            self._restore(dav, kept, old_id, exc)  # returns only when the live place was taken: by the new deploy
        return old_id

    def _restore(self, dav: Dav, kept: str, old_id: str, exc: PipelineError) -> None:
        """Move the old deploy back into the live place after a failed switch and raise saying so, or saying how the site
        stands when that fails too; returns (nothing moved) only when the live place is taken already."""
        try:
            back = dav.send("MOVE", kept, headers={"Destination": self.layout.live, "Overwrite": "F"}, ok=(201, 204, 412))
        except PipelineError as again:
            raise PublishError(
                f"making the new deploy live failed ({exc.message}), and moving {old_id} back failed too ({again.message}): "
                f"{self.settings.url} may answer 404 now; deploy {old_id} is whole in {shown(kept)} and the new one in "
                f"{shown(self.layout.staging)}; `pipeline rollback {old_id}` makes {old_id} live again "
                "(or rerun the publish to make the new one live)"
            ) from exc
        if back.status_code == 412:  # the live place is taken: the MOVE whose answer was lost did its work
            return
        raise PublishError(f"making the new deploy live failed ({exc.message}); {old_id} is live again") from exc

    def _prune(self, dav: Dav, collection: str) -> list[str]:
        """Delete all but the newest `keep` deploys in `collection` (ids sort by time); returns notes. The deploy is done: never raises."""
        try:
            old = sorted((name for name in children(dav, collection) if _DEPLOY_ID.fullmatch(name)), reverse=True)[self.settings.keep :]
            for deploy_id in old:
                dav.send("DELETE", join(collection, deploy_id + "/"), ok=(200, 204, 404))
        except PipelineError as exc:
            return [f"could not remove old deploys from {shown(collection)}: {exc.message}"]
        return [f"removed {len(old)} old deploy(s) from {shown(collection)}, keeping the newest {self.settings.keep}"] if old else []

    def _find(self, dav: Dav, deploy_id: str | None) -> str:
        """The collection of `deploy_id` (an earlier deploy or a draft), or of the newest earlier deploy."""
        earlier = sorted(children(dav, self.layout.deploys), reverse=True)
        if deploy_id is None:
            if not earlier:
                raise PublishError(f"target {self.name} has no earlier deploy to roll back to")
            return join(self.layout.deploys, earlier[0] + "/")
        if deploy_id in earlier:
            return join(self.layout.deploys, deploy_id + "/")
        if deploy_id in children(dav, self.layout.drafts):
            return join(self.layout.drafts, deploy_id + "/")
        raise PublishError(f"target {self.name} has no deploy {deploy_id!r}; `pipeline deploys` lists them")

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
    if any(segment in ("", ".", "..") for segment in segments) or path in (MANIFEST, STAGING_RECORD):
        raise PublishError(f"cannot publish {path!r}: not a plain relative path inside the site")
    return segments


def _dirs(paths: Iterable[str]) -> set[str]:
    """Every folder the paths sit in ("a/b/c.html" -> "a", "a/b")."""
    return {"/".join(path.split("/")[:depth]) for path in paths for depth in range(1, path.count("/") + 1)}


def _deletions(paths: list[str], kept: set[str]) -> list[str]:
    """What to DELETE so `paths` are gone: a file, or the topmost of its folders the build no longer has (trailing /)."""
    targets = set()
    for path in paths:
        segments = path.split("/")
        gone = next((depth for depth in range(1, len(segments)) if "/".join(segments[:depth]) not in kept), None)
        targets.add("/".join(segments[:gone]) + "/" if gone else path)
    return sorted(targets)


def _probe(dav: Dav, url: str) -> bool | None:
    """Whether `url` exists, or None when the server cannot say now (its errors are retried first)."""
    try:
        return exists(dav, url)
    except PipelineError:
        return None


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
