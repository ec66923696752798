"""Redirects from each article's old URLs (`aliases`): an HTML page with rel=canonical at each, and Netlify's `_redirects`."""

from __future__ import annotations

import html
import posixpath

from pipeline.render.siteplan import SitePlan

PAGE = """<!DOCTYPE html>
<html lang="{lang}"{direction}>
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="canonical" href="{url}">
<meta name="robots" content="noindex">
<meta http-equiv="refresh" content="0; url={url}">
</head>
<body>
<p><a href="{url}">{url}</a></p>
</body>
</html>
"""


def redirects(site: SitePlan) -> list[tuple[str, str, str]]:
    """(old path, the article's URL, its language) for every alias of every published article; the first claim of a path wins."""
    found: dict[str, tuple[str, str, str]] = {}
    for lang in site.config.locales:
        for entry in site.entries[lang]:
            if entry.fallback_from is not None:
                continue  # a fallback page carries its source's aliases, which lead to the source
            for alias in entry.article.fields.get("aliases", ()):
                path = posixpath.normpath("/" + alias.lstrip("/")) + ("/" if alias.endswith("/") and alias != "/" else "")
                if path != entry.url and path not in found:
                    found[path] = (path, entry.url, lang)
    return [found[path] for path in sorted(found)]


def output_path(alias: str) -> str:
    """Where the redirect page of `alias` is written: a folder's index.html, or the file it names."""
    rel = alias.strip("/")
    last = rel.rsplit("/", 1)[-1]
    return rel if "." in last and not alias.endswith("/") else f"{rel}/index.html"


def page(site: SitePlan, target: str, lang: str) -> bytes:
    url = html.escape(site.absolute(target))
    direction = ' dir="rtl"' if site.config.locales[lang].direction == "rtl" else ""
    return PAGE.format(lang=lang, direction=direction, title=url, url=url).encode("utf-8")


def netlify(site: SitePlan, found: list[tuple[str, str, str]]) -> bytes:
    """Netlify's `_redirects`: one permanent redirect a line, old path to new."""
    return "".join(f"{site.link(old)} {site.link(new)} 301\n" for old, new, _ in found).encode("utf-8")
