"""Syntax highlighting of fenced code blocks with Pygments at build time: CSS classes, a light and a dark style."""

from __future__ import annotations

import html
import re
from functools import cache, lru_cache
from typing import Any

LIGHT = "default"  # WCAG AA on a light background
DARK = "github-dark"
# A fenced block with a language, as markdown.scan writes it (its text escaped, nothing else inside).
_BLOCK = re.compile(r'(<pre dir="ltr" tabindex="0")><code class="language-([^"\s]+)">([^<]*)</code></pre>')
MAX_CODE = 200_000  # characters: a longer block is shown plain (Pygments' lexers are not all linear)


def highlight_code(markup: str) -> str:
    """Body HTML with every code block whose language Pygments knows highlighted (spans with Pygments' short classes)."""
    if "language-" not in markup:
        return markup
    return _BLOCK.sub(_replace, markup)


def _replace(match: re.Match[str]) -> str:
    spans = _spans(match.group(2).lower(), match.group(3))
    if spans is None:
        return match.group()
    return f'{match.group(1)} class="highlight"><code class="language-{match.group(2)}">{spans}</code></pre>'


@lru_cache(maxsize=2048)
def _spans(language: str, escaped: str) -> str | None:
    """The highlighted HTML of one block (cached: the same block in many articles or builds of one process is done once)."""
    if len(escaped) > MAX_CODE:
        return None
    from pygments import highlight  # here: a build that highlights nothing (one edit without code blocks) does not load Pygments
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None
    return highlight(html.unescape(escaped), lexer, _formatter())


@cache
def _formatter() -> Any:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


def stylesheet() -> bytes:
    """The highlighting CSS: the light style, and the dark one for readers who prefer it (backgrounds stay the theme's)."""
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style=LIGHT).get_style_defs(".highlight")
    dark = HtmlFormatter(style=DARK).get_style_defs(".highlight")
    return f"{_no_background(light)}\n@media (prefers-color-scheme: dark) {{\n{_no_background(dark)}\n}}\n".encode()


def _no_background(css: str) -> str:
    """Pygments' rules for token classes only: no background of its own, no line-number rules (we number no lines)."""
    return "\n".join(line for line in css.splitlines() if line.startswith(".highlight .") and not line.startswith(".highlight .hll"))
