"""Local preview: build into a folder, serve it on 127.0.0.1, rebuild when a site file changes."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

SVG_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"
WATCHED = ("site.yaml", "content", "templates", "static", "locales", "schemas")


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file that can change the site."""
    state = {}
    for name in WATCHED:
        path = root / name
        for item in [path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []:
            if item.is_file():
                info = item.stat()
                state[item.as_posix()] = (info.st_mtime_ns, info.st_size)
    return state


class _Handler(http.server.SimpleHTTPRequestHandler):
    def send_head(self) -> BinaryIO | BytesIO | None:
        """Serve only what lies inside the served folder with no link on the way (a committed deploy may hold links)."""
        found = Path(self.translate_path(self.path))
        base = Path(self.directory)
        try:
            rel = found.relative_to(base)
        except ValueError:
            rel = None
        current = base
        for part in rel.parts if rel is not None else ("..",):
            current = current / part
            if rel is None or current.is_symlink():
                self.send_error(404, "File not found")
                return None
        return super().send_head()

    def end_headers(self) -> None:
        if self.path.split("?", 1)[0].lower().endswith(".svg"):  # an image opened on its own runs nothing, whatever it holds
            self.send_header("Content-Security-Policy", SVG_POLICY)
        super().end_headers()

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


def server(out: Path, port: int) -> http.server.ThreadingHTTPServer:
    """An HTTP server for `out` on 127.0.0.1 (port 0: any free port)."""
    handler = functools.partial(_Handler, directory=str(out))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def watch(root: Path, rebuild: Callable[[], None], stop: threading.Event, interval: float = 0.5) -> None:
    """Call `rebuild` whenever a watched file changes, until `stop` is set."""
    seen = snapshot(root)
    while not stop.wait(interval):
        now = snapshot(root)
        if now != seen:
            seen = now
            rebuild()
