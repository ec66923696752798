"""Bidi isolation: runs of the other direction in HTML (markup) and in plain text (Unicode isolates)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache, partial

_LATIN = "A-Za-z\u00c0-\u024f"
_HEBREW = "\u0590-\u05ff\ufb1d-\ufb4f"
_CONNECT = r"[ .\-_/'’:@&,]+"
# A run of Latin script inside right-to-left text: "Node.js 20", "C++", "print()", "helper’s high".
_LATIN_RUN = re.compile(rf"[{_LATIN}](?:[{_LATIN}0-9]|\([^()\n{_HEBREW}]*\)|[+#]+|%|{_CONNECT}(?=[{_LATIN}0-9]))*")
# A run of Hebrew inside left-to-right text: "בלוג פוסטים", "ד״ר לוי".
_HEBREW_RUN = re.compile(rf"[{_HEBREW}](?:[{_HEBREW}0-9״׳\"']|{_CONNECT}(?=[{_HEBREW}0-9]))*")
_HEBREW_CHAR = re.compile(f"[{_HEBREW}]")
_TAG = re.compile(r"(<[^>]+>)")
_TAG_NAME = re.compile(r"^</?([a-zA-Z0-9]+)")
_DIR_ATTR = re.compile(r'\sdir="(ltr|rtl|auto)"')
_VOID = frozenset({"br", "img", "hr", "input", "meta", "link", "source", "wbr"})
_LTR_ALWAYS = frozenset({"code", "pre", "kbd", "samp"})
ISOLATE = {"ltr": ("\u2066", "\u2069"), "rtl": ("\u2067", "\u2069")}  # LRI/RLI ... PDI


def _runs(direction: str) -> re.Pattern[str]:
    """The pattern for runs of the direction opposite to `direction`."""
    return _LATIN_RUN if direction == "rtl" else _HEBREW_RUN


def _needs_isolation(run: str) -> bool:
    """A single word of the other script orders itself; spaces, digits and symbols are where it goes wrong."""
    return not run.isalpha()


def isolate_text(text: str, direction: str) -> str:
    """Plain text for a `direction` context (a <title>, an attribute, JSON, a feed) with other-direction runs isolated."""
    opposite = "ltr" if direction == "rtl" else "rtl"
    start, end = ISOLATE[opposite]
    return _runs(direction).sub(lambda m: f"{start}{m.group()}{end}" if _needs_isolation(m.group()) else m.group(), text)


def isolate_html(markup: str, direction: str) -> str:
    """HTML for a `direction` page: code left-to-right, other-direction runs in text wrapped in <span dir>."""
    if "<" not in markup:  # plain escaped text: no tags, one piece
        return _wrap_runs(markup, direction)
    if direction != "rtl" and 'dir="rtl"' not in markup and (markup.isascii() or not _HEBREW_CHAR.search(markup)):
        return markup  # nothing turns right-to-left and there is no Hebrew to isolate
    out: list[str] = []
    stack: list[tuple[str, str, bool]] = []  # (tag name, direction inside it, inside code)
    current, verbatim = direction, False
    for piece in _TAG.split(markup):
        if not piece:
            continue
        if piece.startswith("<"):
            piece = _open_or_close(piece, current, verbatim, stack)
            current, verbatim = stack[-1][1:] if stack else (direction, False)
            out.append(piece)
        elif verbatim:
            out.append(piece)
        else:
            out.append(_wrap_runs(piece, current))
    return "".join(out)


@lru_cache(maxsize=4096)
def _tag(tag: str) -> tuple[str, str, str | None]:
    """What a tag is: ("open", "close" or "other", its lowercase name, its dir attribute if any)."""
    name_match = _TAG_NAME.match(tag)
    if not name_match or tag.startswith("<!"):
        return "other", "", None
    name = name_match.group(1).lower()
    if tag.startswith("</"):
        return "close", name, None
    if name in _VOID or tag.endswith("/>"):
        return "other", name, None
    explicit = _DIR_ATTR.search(tag)
    return "open", name, explicit.group(1) if explicit else None


def _open_or_close(tag: str, current: str, verbatim: bool, stack: list[tuple[str, str, bool]]) -> str:
    kind, name, explicit = _tag(tag)
    if kind == "close":
        while stack and stack.pop()[0] != name:
            pass
    elif kind == "open":
        inner = explicit if explicit and explicit != "auto" else current
        if name in _LTR_ALWAYS and not explicit and current == "rtl":
            tag = tag[:-1] + ' dir="ltr">'
            inner = "ltr"
        stack.append((name, inner, verbatim or name in _LTR_ALWAYS))
    return tag


def _wrap_runs(text: str, direction: str) -> str:
    return _WRAP_RTL(text) if direction == "rtl" else _WRAP_LTR(text)


def _wrapper(direction: str) -> Callable[[str], str]:
    """Wrap, in text of a `direction` context, the runs of the other direction that need it in <span dir>."""
    opposite = "ltr" if direction == "rtl" else "rtl"
    pattern = _runs(direction)

    def span(m: re.Match[str]) -> str:
        return f'<span dir="{opposite}">{m.group()}</span>' if _needs_isolation(m.group()) else m.group()

    return partial(pattern.sub, span)


_WRAP_RTL = _wrapper("rtl")
_WRAP_LTR = _wrapper("ltr")
