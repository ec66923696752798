"""Local preview: serve a build on 127.0.0.1, rebuild on the OS's file events, and reload open pages (or show what is wrong)."""

from __future__ import annotations

import functools
import http.server
import ipaddress
import json
import posixpath
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import watchfiles

from pipeline import sitepaths

SVG_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"
WATCHED = ("site.yaml", "content", "templates", "static", "locales", "schemas")
EVENTS = "/__pipeline/events"  # server-sent events: one per build, with what is wrong when it failed
SCRIPT = "/__pipeline/live.js"
KEEP_ALIVE = 15.0  # seconds between comments on an idle event stream, so a closed page is noticed
_HOST_NAME = re.compile(r"[a-z0-9._:-]{1,253}")  # a DNS name (IDNs come as xn--), an IPv4 or IPv6 address (urlsplit lowers it)
IDLE = 1.0  # seconds with no change to the site's files after a rebuild that make a pause (watch's `idle` is called)
LIVE_JS = b"""/* Injected by `pipeline serve` (never in a build): reload when the site is rebuilt, show what is wrong when it fails. */
(() => {
  "use strict";
  const source = new EventSource("/__pipeline/events");
  source.addEventListener("build", (event) => {
    const { error, built } = JSON.parse(event.data);
    if (!error) { location.reload(); return; }
    let overlay = document.getElementById("pipeline-overlay");
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "pipeline-overlay";
      overlay.setAttribute("role", "alert");
      overlay.dir = "ltr";
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,20,20,.94);" +
        "color:#ffd7d5;font:14px/1.5 ui-monospace,monospace;padding:2rem;white-space:pre-wrap;text-align:left";
      document.body.append(overlay);
    }
    overlay.textContent = (built ? "The last edit broke the build; this is the last good page."
      : "The site has not built yet: there is no page to show until this is fixed (then this page reloads).") + "\\n\\n" + error;
  });
})();
"""


class Builds:
    """What the preview tells open pages: how many builds it made, what was wrong with the last one ("" if nothing), and
    whether one has ever succeeded (until then a failure has no last good page to show under it)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.number = 0
        self.error = ""
        self.built = False

    def done(self, error: str = "") -> None:
        with self._changed:
            self.number += 1
            self.error = error
            self.built = self.built or not error
            self._changed.notify_all()

    def now(self) -> tuple[int, str, bool]:
        """The build number, its error and whether a build ever succeeded, as they are."""
        with self._changed:
            return self.number, self.error, self.built

    def after(self, seen: int, timeout: float) -> tuple[int, str, bool]:
        """The build number, error and whether a build ever succeeded, once a build after `seen` is done, or as they are
        when `timeout` passes."""
        with self._changed:
            self._changed.wait_for(lambda: self.number != seen, timeout)
            return self.number, self.error, self.built


class Site(Protocol):
    """A site kept in memory (build/preview.py): its outputs by path, made when asked for."""

    def get(self, path: str) -> bytes | None: ...

    def has(self, path: str) -> bool: ...


def host_allowed(header: str | None, allowed: frozenset[str]) -> bool:
    """Whether a request's Host header names this machine as only a browser on it can: an IP address, `localhost` or a
    name under it (RFC 6761: browsers resolve those to loopback themselves), or a name in `allowed` (lower case).

    Any other name is how a DNS-rebinding page reaches a preview on 127.0.0.1: its own name, made to resolve to
    127.0.0.1 after the page loaded, lets its scripts read every answer (drafts too) as same-origin. No Host at all is
    no browser's request."""
    if header is None:
        return True
    name = host_name(header)
    if name is None:
        return False
    if name == "localhost" or name.endswith(".localhost") or name in allowed:
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def host_name(header: str) -> str | None:
    """The host a Host header names, in lower case and without its port or a final dot; None when it names none (or
    holds what no host name or address does)."""
    try:
        name = urllib.parse.urlsplit(f"//{header.strip()}").hostname
    except ValueError:
        return None
    name = name.rstrip(".") if name else None
    return name if name and _HOST_NAME.fullmatch(name) else None


class _Handler(http.server.SimpleHTTPRequestHandler):
    builds: Builds | None = None  # set for a live preview: pages get the reload script
    site: Site | None = None  # set for a preview kept in memory: served from it, not from the folder
    hosts: frozenset[str] = frozenset()  # host names answered besides IP addresses and localhost (`--allow-host`)
    refused: Callable[[str], None] | None = None  # told each host name refused

    def do_GET(self) -> None:
        if not self._host_checked():
            return
        path = self.path.split("?", 1)[0]
        if self.builds is not None and path == EVENTS:
            self._events(self.builds)
        elif self.builds is not None and path == SCRIPT:
            self._send(200, "text/javascript; charset=utf-8", LIVE_JS)
        elif self.site is not None:
            self._from_memory(self.site, path)
        elif self.builds is not None and path.endswith(("/", ".html")):
            self._page()
        else:
            super().do_GET()

    def do_HEAD(self) -> None:
        if not self._host_checked():
            return
        if self.site is not None:
            self._from_memory(self.site, self.path.split("?", 1)[0], head=True)
        else:
            super().do_HEAD()

    def _host_checked(self) -> bool:
        """Whether the request may be answered (`host_allowed`); if not, it is refused with a 403 that says why."""
        host = self.headers.get("Host")
        if host_allowed(host, self.hosts):
            return True
        name = host_name(host or "")
        if self.refused is not None:
            self.refused(name or "")
        said = f"the host {name[:100]}" if name else "a Host header that names no host"
        body = (
            f"pipeline serve answers only to localhost and IP addresses, not to {said}: a page that made its own name lead "
            "here could read the preview."
            + (
                f" If you reach the preview through that name on purpose (a forwarded port, a name in /etc/hosts), start it with --allow-host {name[:100]}."
                if name
                else ""
            )
            + "\n"
        ).encode("utf-8", "replace")
        self._send(403, "text/plain; charset=utf-8", body)
        return False

    def _from_memory(self, site: Site, url: str, head: bool = False) -> None:
        """The output a URL names, as a host serves a folder: `index.html` for a folder, which is redirected to end in `/`."""
        rel = urllib.parse.unquote(url.split("#", 1)[0]).lstrip("/")
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        data = site.get(rel) if posixpath.normpath(rel) == rel and not rel.startswith("../") else None
        if data is None and site.has(f"{rel}/index.html"):
            self.send_response(301)
            self.send_header("Location", url + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status, kind = 200, self.guess_type(rel)
        if data is None:
            status, kind, data = 404, "text/html; charset=utf-8", site.get("404.html") or b"<h1>Not found</h1>"
        if rel.endswith(".html") or status == 404:
            data = _with_script(data) if self.builds is not None else data
        self._send(status, kind, b"" if head else data, len(data))

    def _page(self) -> None:
        """An HTML page with the reload script before `</body>`."""
        found = Path(self.translate_path(self.path))
        if found.is_dir():
            found = found / "index.html"
        if not _plain_file_inside(Path(self.directory), found):
            self.send_error(404, "File not found")
            return
        self._send(200, "text/html; charset=utf-8", _with_script(found.read_bytes()))

    def _events(self, builds: Builds) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen, error, built = builds.now()
        try:
            if error:  # a page opened while the site is broken learns it at once
                self._event(error, built)
            while True:
                number, error, built = builds.after(seen, KEEP_ALIVE)
                if number == seen:
                    self.wfile.write(b": still here\n\n")
                else:
                    seen = number
                    self._event(error, built)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def send_head(self) -> BinaryIO | BytesIO | None:
        """Serve only what lies inside the served folder with no link on the way (a committed deploy may hold links)."""
        found = Path(self.translate_path(self.path))
        if not _inside(Path(self.directory), found):
            self.send_error(404, "File not found")
            return None
        return super().send_head()

    def end_headers(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.lower().endswith(".svg"):  # an image opened on its own runs nothing, whatever it holds
            self.send_header("Content-Security-Policy", SVG_POLICY)
        rules = self.site.get("_headers") if self.site is not None else None
        found = headers_for(rules.decode("utf-8", "replace"), path) if rules else site_headers(Path(self.directory), path)
        for name, value in found:  # as a host that reads _headers would send them
            self.send_header(name, value)
        super().end_headers()

    def _event(self, error: str, built: bool) -> None:
        self.wfile.write(b"event: build\ndata: " + json.dumps({"error": error, "built": built}).encode() + b"\n\n")

    def _send(self, status: int, kind: str, body: bytes, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: object) -> None:
        pass


def site_headers(folder: Path, path: str) -> list[tuple[str, str]]:
    """The headers the build's _headers file (Netlify's format: a path, `*` at its end for any below, then `Name: value`
    lines indented) gives `path`; none when there is no such plain file."""
    rules = folder / "_headers"
    if not _plain_file_inside(folder, rules):
        return []
    return headers_for(rules.read_text("utf-8", "replace"), path)


def headers_for(rules: str, path: str) -> list[tuple[str, str]]:
    """The headers the text of a _headers file gives `path`."""
    found, applies = [], False
    for line in rules.splitlines()[:1000]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            pattern = line.strip()
            applies = path.startswith(pattern[:-1]) if pattern.endswith("*") else path == pattern
        elif applies and ":" in line:
            name, _, value = line.strip().partition(":")
            found.append((name.strip(), value.strip()))
    return found


def _with_script(body: bytes) -> bytes:
    """An HTML page with the reload script before `</body>`."""
    tag = f'<script src="{SCRIPT}"></script>'.encode()
    at = body.rfind(b"</body>")
    return body[:at] + tag + body[at:] if at >= 0 else body + tag


def _inside(base: Path, found: Path) -> bool:
    """Whether `found` is `base` or under it, reached through no link."""
    try:
        rel = found.relative_to(base)
    except ValueError:
        return False
    current = base
    for part in rel.parts:
        current = current / part
        if part in ("", ".", "..") or current.is_symlink():
            return False
    return True


def _plain_file_inside(base: Path, found: Path) -> bool:
    """Whether `found` is a regular file under `base` reached through no link."""
    return _inside(base, found) and found.is_file()


def server(
    out: Path,
    port: int,
    builds: Builds | None = None,
    site: Site | None = None,
    hosts: tuple[str, ...] = (),
    refused: Callable[[str], None] | None = None,
) -> http.server.ThreadingHTTPServer:
    """An HTTP server for `out` on 127.0.0.1 (port 0: any free port); with `builds`, pages reload themselves.

    With `site`, what is served comes from it (a preview kept in memory) and `out` is not read. It answers requests
    that name IP addresses, localhost or one of `hosts` (host_allowed); `refused` is told each other host name once."""
    told = staticmethod(_once(refused)) if refused is not None else None  # a function kept on the class, not a method
    attributes = {"builds": builds, "site": site, "hosts": frozenset(h.lower().rstrip(".") for h in hosts), "refused": told}
    handler = type("Handler", (_Handler,), attributes)
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(out)))


def _once(told: Callable[[str], None]) -> Callable[[str], None]:
    """`told`, called once per name (the first hundred names: a page retrying cannot fill the terminal)."""
    seen: set[str] = set()
    lock = threading.Lock()

    def once(name: str) -> None:
        with lock:
            if name in seen or len(seen) >= 100:
                return
            seen.add(name)
        told(name)

    return once


def watch(
    root: Path,
    rebuild: Callable[[], None],
    stop: threading.Event,
    ready: threading.Event | None = None,
    idle: Callable[[], None] | None = None,
) -> None:
    """Call `rebuild` after each burst of changes to the site's files (the OS's file events), until `stop` is set.

    The folders that exist are watched with their sub-folders; the site's top folder on its own, so a folder made
    later (templates/, say) is watched from then on, and nothing else under the site (.git, .venv, public/) is.
    One rebuild runs at a time. `ready` is set once the OS watches every folder: a change saved after it is seen.
    `idle` is called once in each pause: IDLE seconds after a rebuild with no change since (never during a rebuild).
    """
    lock = threading.Lock()
    since: float | None = None  # when the last rebuild ended, until its pause is used (set and used under `lock`)

    def once() -> None:
        nonlocal since
        with lock:
            rebuild()
            since = time.monotonic()

    def paused() -> None:
        nonlocal since
        if idle is None or since is None or time.monotonic() - since < IDLE:  # a look without the lock: a rebuild only delays it
            return
        with lock:
            if since is not None and time.monotonic() - since >= IDLE:
                since = None
                idle()

    while not stop.is_set():
        folders = [root / name for name in WATCHED if (root / name).is_dir()]
        again, top_ready = threading.Event(), threading.Event()
        either = _Either(stop, again)
        top = threading.Thread(target=_watch_top, args=(root, once, either, again, {p.name for p in folders}, top_ready), daemon=True)
        top.start()
        if folders:
            for changes in watchfiles.watch(*folders, stop_event=either, watch_filter=_seen_by_builds, **_QUICK):
                _ready_after(top_ready, ready)
                if changes:
                    once()
                else:
                    paused()
        else:
            _ready_after(top_ready, ready)
        while not either.is_set():
            again.wait(0.2)
        again.set()  # the top watcher ends too
        top.join()


# Group a burst of events for 50 ms at most, yield 20 ms after the last; wake every 100 ms with no events (to say it is ready).
_QUICK: dict[str, Any] = {"debounce": 50, "step": 5, "yield_on_timeout": True, "rust_timeout": 100}


def _seen_by_builds(change: watchfiles.Change, path: str) -> bool:
    """Whether a change is to a file a build reads: any but an editor's leftover (sitepaths.leftover, the rule the build's
    walk of the folders follows; watchfiles' own default would also miss an edit of static/game.swf)."""
    return not sitepaths.leftover(posixpath.basename(path))


def _ready_after(top: threading.Event, ready: threading.Event | None) -> None:
    """Set `ready` once the top folder's watcher is ready too (the folders' watcher is when it first wakes)."""
    if ready is not None and not ready.is_set() and top.wait(5):
        ready.set()


def _watch_top(
    root: Path, rebuild: Callable[[], None], either: _Either, again: threading.Event, known: set[str], ready: threading.Event
) -> None:
    """Watch the site's own folder (not below it): site.yaml, and a watched folder made or removed (then start over)."""
    for changes in watchfiles.watch(root, stop_event=either, recursive=False, **_QUICK):
        ready.set()
        if {Path(path).name for _, path in changes} & set(WATCHED):
            rebuild()
        if any((root / name).is_dir() != (name in known) for name in WATCHED if name != "site.yaml"):
            again.set()
            return


class _Either:
    """Set when either event is (watchfiles asks its stop_event only `is_set()`)."""

    def __init__(self, *events: threading.Event) -> None:
        self._events = events

    def is_set(self) -> bool:
        return any(event.is_set() for event in self._events)
