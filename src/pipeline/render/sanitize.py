"""Raw HTML a site allows, passed through nh3's (ammonia's) allow-list after every rewrite: what reaches a reader cannot run code."""

from __future__ import annotations

import nh3

# What the Markdown pipeline and bidi isolation make, and what authors write by hand in articles;
# no style (it can overlay the page), no forms, no scripts, no embedded documents.
TAGS = frozenset(nh3.ALLOWED_TAGS) - {"map", "area"}
ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items() if tag in TAGS},
    "*": {"dir", "lang", "id", "title", "class"},
    "a": {"href", "hreflang", "title", "aria-label"},  # aria-label: footnote back-links
    "img": {"src", "alt", "width", "height", "title", "loading", "decoding"},
    "pre": {"tabindex"},  # code blocks are reachable by keyboard when they scroll
    "time": {"datetime"},
    "data": {"value"},
}
SCHEMES = frozenset({"http", "https", "mailto", "tel"})


def clean(markup: str) -> str:
    """`markup` with every tag, attribute and URL scheme outside the allow-list removed (relative URLs kept)."""
    return nh3.clean(markup, tags=set(TAGS), attributes=ATTRIBUTES, url_schemes=set(SCHEMES), link_rel=None, strip_comments=True)
