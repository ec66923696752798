"""The WebDAV switch: where a target's collections sit, and moving a deploy into the live place (and back when that fails).

WebDAV cannot swap two collections in one step. `MOVE` with `Overwrite: T` onto the live collection is a DELETE
of the destination followed by the move (RFC 4918, 9.9.3), and wsgidav, Apache's mod_dav_fs and nginx all do
just that, so readers could meet a half-deleted old site: a mix. BIND (RFC 5842) could rebind atomically but
none of them implements it. So the switch is two MOVEs, live -> deploys/<old id>, then staging -> live, each a
single rename on the server: readers get the whole old site or the whole new one, and between the two MOVEs the
live URL answers 404 — never a mix. If the second MOVE fails, the old deploy is moved back and PublishError raised.

A server that maps a collection's own URI to its index.html (stock Apache: `DirectoryIndex`) refuses a MOVE of
`…/blog/` with 405 while it holds one. Learned from that 405 (once per connection), each collection MOVE there is
three: index.html renamed aside to `.pipeline-index.html`, the collection moved, the file renamed back in its new
place. The live site's pages then go missing for the same single MOVE as elsewhere, and its front page (the
root index.html) for the three requests from setting it aside to putting the new one back; every other page is
served throughout. A run stopped in between leaves the aside name, which the next switch puts back first.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import quote

from pipeline.errors import PipelineError
from pipeline.publish.targets.base import PublishError
from pipeline.publish.targets.webdav_client import Dav, join, mkcol, shown
from pipeline.publish.targets.webdav_compat import INDEX, exists, update_listing

ASIDE = ".pipeline-index.html"  # where a collection's index.html waits while the collection moves


@dataclass(frozen=True, slots=True)
class Layout:
    """The URLs of the live collection and its siblings."""

    live: str
    staging: str
    deploys: str
    drafts: str
    lock: str
    journal: str
    listing: str  # the deploys and drafts kept, for servers that cannot list a collection

    @classmethod
    def of(cls, name: str, live: str) -> Layout:
        sibling = _parent(live) + quote(f".{name}", safe="")
        return cls(
            live,
            sibling + ".staging/",
            sibling + ".deploys/",
            sibling + ".drafts/",
            sibling + ".lock",
            sibling + ".journal/",
            sibling + ".deploys.json",
        )

    @property
    def parent(self) -> str:
        return _parent(self.live)


def _parent(url: str) -> str:
    """The collection a collection URL sits in (with its slash)."""
    return url[: url.rstrip("/").rfind("/") + 1]


def move(dav: Dav, source: str, destination: str, ok: tuple[int, ...] = (201, 204)) -> int:
    """MOVE the collection `source` to `destination` (never over one); returns the status. Where the server refuses
    the MOVE because the URI maps to the collection's index.html, that file is set aside around it."""
    headers = {"Destination": destination, "Overwrite": "F"}
    if not dav.index_aside:
        response = dav.send("MOVE", source, headers=headers, ok=(*ok, 405), retry=False)
        if response.status_code != 405:
            return response.status_code
        dav.index_aside = True  # nothing moved: the server wants the index out of the way
    aside = dav.send("MOVE", source + INDEX, headers={"Destination": source + ASIDE, "Overwrite": "T"}, ok=(201, 204, 404))
    try:
        status = dav.send("MOVE", source, headers=headers, ok=ok, retry=False).status_code
    except PipelineError:
        if aside.status_code != 404:
            with suppress(PipelineError):
                put_back(dav, source)
        raise
    put_back(dav, destination if status in (201, 204) else source)
    return status


def put_back(dav: Dav, collection: str) -> None:
    """Rename an index.html set aside in `collection` back (a HEAD finds there is none, on every other server)."""
    if dav.send("HEAD", collection + ASIDE, ok=(200, 404)).status_code == 200:
        dav.send("MOVE", collection + ASIDE, headers={"Destination": collection + INDEX, "Overwrite": "T"}, ok=(201, 204, 404))


def swap(dav: Dav, layout: Layout, source: str, old_id: str | None, new_id: str) -> str | None:
    """Move the live collection into the deploys (as `old_id`, when it is not None or something is there) and
    `source` into its place; returns the id the old one is kept under.

    Every failure either moves the old deploy back (and raises PublishError saying it is live again) or raises one
    saying exactly where both deploys are and the one command that makes the old one live again.
    """
    if old_id is None and not exists(dav, layout.live):
        move(dav, source, layout.live)
        put_back(dav, layout.live)
        return None
    kept_id = old_id or new_id  # a live site from before this target: kept too
    mkcol(dav, layout.deploys)
    kept = join(layout.deploys, kept_id + "/")
    try:
        move(dav, layout.live, kept)
    except PipelineError as exc:
        if _probe(dav, layout.live) is not False:
            raise  # nothing moved (or the server cannot say): the old deploy is still where readers find it
        _restore(dav, layout, kept, kept_id, exc)  # the server moved it but its answer was lost
        raise PublishError(f"making the new deploy live failed ({exc.message}); {kept_id} is live") from exc
    try:
        move(dav, source, layout.live)
    except PipelineError as exc:
        if _probe(dav, layout.live):
            with suppress(PipelineError):
                put_back(dav, layout.live)
            return kept_id  # the server moved it but its answer was lost: the new deploy is live
        _restore(dav, layout, kept, kept_id, exc)  # returns only when the live place was taken: by the new deploy
    put_back(dav, layout.live)  # also what a run stopped between the three MOVEs left aside
    return kept_id


def listed(dav: Dav, layout: Layout, key: str, add: tuple[str, ...] = (), drop: tuple[str, ...] = ()) -> list[str]:
    """Record in the listing resource what a switch, draft or prune changed; returns notes (the deploy is done: never raises)."""
    try:
        update_listing(dav, layout.listing, key, add, drop)
    except PipelineError as exc:
        return [f"could not update the list of deploys {shown(layout.listing)}: {exc.message}"]
    return []


def _restore(dav: Dav, layout: Layout, kept: str, old_id: str, exc: PipelineError) -> None:
    """Move the old deploy back into the live place after a failed switch and raise saying so, or saying how the site
    stands when that fails too; returns (nothing moved) only when the live place is taken already."""
    try:
        back = move(dav, kept, layout.live, ok=(201, 204, 412))
    except PipelineError as again:
        raise PublishError(
            f"making the new deploy live failed ({exc.message}), and moving {old_id} back failed too ({again.message}): "
            f"{layout.live} may answer 404 now; deploy {old_id} is whole in {shown(kept)} and the new one in "
            f"{shown(layout.staging)}; `pipeline rollback {old_id}` makes {old_id} live again "
            "(or rerun the publish to make the new one live)"
        ) from exc
    if back == 412:  # the live place is taken: the MOVE whose answer was lost did its work
        with suppress(PipelineError):
            put_back(dav, layout.live)
        return
    raise PublishError(f"making the new deploy live failed ({exc.message}); {old_id} is live again") from exc


def _probe(dav: Dav, url: str) -> bool | None:
    """Whether `url` exists, or None when the server cannot say now (its errors are retried first)."""
    try:
        return exists(dav, url)
    except PipelineError:
        return None
