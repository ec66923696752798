"""Body images on a page: their intrinsic width and height (no layout shift), lazy loading below the fold, and an
image's title as the <figcaption> of an image that stands alone in its paragraph."""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Mapping
from urllib.parse import unquote

# An image as markdown.scan writes it, alone in its paragraph or not.
_IMAGE = re.compile(r'(<p>)?<img src="([^"]*)" alt="([^"]*)"(?: title="([^"]*)")? />(</p>)?')
STATIC_PREFIX = "static/"


def sized(
    markup: str, path: str, sizes: Mapping[str, tuple[int, int]], eager_first: bool, caption: Callable[[str], str] = html.escape
) -> str:
    """Body HTML of the file at `path` with its images sized from `sizes` (static/ path -> width, height); every image is
    loaded lazily but the first when `eager_first` (no cover image above it); `caption` makes a title (plain text) the
    figure's caption HTML (the page isolates its other-direction runs)."""
    if "<img" not in markup:
        return markup
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        opening, src, alt, title, closing = match.groups()
        size = sizes.get(_static_path(path, html.unescape(src)) or "")
        attributes = f' width="{size[0]}" height="{size[1]}"' if size else ""
        attributes += "" if eager_first and count == 1 else ' loading="lazy"'
        image = f'<img src="{src}" alt="{alt}"' + (f' title="{title}"' if title else "") + f'{attributes} decoding="async">'
        if opening and closing and title:
            return f"<figure>{image}<figcaption>{caption(html.unescape(title))}</figcaption></figure>"
        return f"{opening or ''}{image}{closing or ''}"

    return _IMAGE.sub(replace, markup)


def _static_path(path: str, src: str) -> str | None:
    """The file under static/ an image source names: a site path (/images/x.svg) or one relative to the article's file."""
    if not src or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//", src):
        return None
    target = unquote(src.partition("#")[0].partition("?")[0])
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    return joined[len(STATIC_PREFIX) :] if joined.startswith(STATIC_PREFIX) else None
