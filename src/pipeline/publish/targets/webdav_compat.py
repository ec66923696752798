"""What WebDAV servers do differently, learned from how they answer (never from their name): existence, deletes, listings.

Stock Apache (mod_dir's `DirectoryIndex index.html`) maps a collection's own URI to its index.html, so PROPFIND,
COPY, MOVE and DELETE on `…/site/` answer 405 when the collection holds one (and 301 without the slash). Stock
nginx has no PROPFIND at all (405) and wants the trailing slash on both sides of a collection's COPY or MOVE.
So collections are always named with the slash; existence falls back to HEAD where PROPFIND is refused; a refused
DELETE of a collection is retried once its index.html is gone; and the deploys a target keeps are also written to
a listing resource of its own (PUT to a temporary name, then MOVE with `Overwrite: T`: readers see the old listing
or the new one), which is read where the server cannot list a collection.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from pipeline.publish.targets.webdav_client import PROPFIND_TYPE, XML_HEADERS, Dav, parse_xml

NO_PROPFIND = (405, 501)  # 405 also when Apache maps the URI to an index.html: then GET says the rest
INDEX = "index.html"


def exists(dav: Dav, url: str) -> bool:
    """Whether `url` exists: PROPFIND Depth 0, or HEAD where the server refuses PROPFIND there (any answer but 404 means yes)."""
    response = dav.send("PROPFIND", url, headers={**XML_HEADERS, "Depth": "0"}, data=PROPFIND_TYPE, ok=(207, 404, *NO_PROPFIND))
    if response.status_code in NO_PROPFIND:
        response = dav.send("HEAD", url, ok=(200, 204, 301, 302, 403, 404))
    return response.status_code not in (404,)


def remove(dav: Dav, url: str) -> None:
    """DELETE `url` (gone already is fine); a collection the server refuses to delete (405) goes once its index.html has."""
    response = dav.send("DELETE", url, ok=(200, 204, 404, 405))
    if response.status_code == 405 and url.endswith("/"):
        dav.send("DELETE", url + INDEX, ok=(200, 204, 404))
        dav.send("DELETE", url, ok=(200, 204, 404))
    elif response.status_code == 405:
        dav.send("DELETE", url)  # raises, naming the refusal


def children(dav: Dav, collection: str, listing: str, key: str) -> list[str]:
    """The names of the collections directly inside `collection` (none when it does not exist); from the listing
    resource `listing` (its `key` entry) where the server cannot PROPFIND."""
    response = dav.send("PROPFIND", collection, headers={**XML_HEADERS, "Depth": "1"}, data=PROPFIND_TYPE, ok=(207, 404, *NO_PROPFIND))
    if response.status_code == 404:
        return []
    if response.status_code in NO_PROPFIND:
        return read_listing(dav, listing).get(key, [])
    own = unquote(urlsplit(collection).path).rstrip("/")
    names = []
    for item in parse_xml(response).iter("{DAV:}response"):
        href = unquote(urlsplit(item.findtext("{DAV:}href", "")).path).rstrip("/")
        parent, _, name = href.rpartition("/")
        # only a child directly inside, by a plain name: a hostile server naming `..` or another folder gets nothing deleted
        if parent == own and name not in ("", ".", "..") and item.find(".//{DAV:}resourcetype/{DAV:}collection") is not None:
            names.append(unicodedata.normalize("NFC", name))
    return names


def read_listing(dav: Dav, listing: str) -> dict[str, list[str]]:
    """The listing resource: collection key -> names; empty when there is none (or it is not one we wrote)."""
    response = dav.send("GET", listing, ok=(200, 404))
    if response.status_code == 404:
        return {}
    try:
        data = json.loads(response.content)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(key): [name for name in names if isinstance(name, str) and name not in ("", ".", "..") and "/" not in name]
        for key, names in data.items()
        if isinstance(names, list)
    }


def update_listing(dav: Dav, listing: str, key: str, add: Iterable[str] = (), drop: Iterable[str] = ()) -> None:
    """Add and drop names in the listing's `key` entry: PUT the new listing beside it, then MOVE it over the old one."""
    data = read_listing(dav, listing)
    names = (set(data.get(key, [])) | set(add)) - set(drop)
    data[key] = sorted(names)
    dav.send("PUT", listing + ".new", data=json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    dav.send("MOVE", listing + ".new", headers={"Destination": listing, "Overwrite": "T"}, ok=(201, 204))
