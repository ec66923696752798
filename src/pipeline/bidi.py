"""Bidi isolation: runs of the other direction in HTML (markup) and in plain text (Unicode isolates)."""

from __future__ import annotations

import re

_LATIN = "A-Za-z\u00c0-\u024f"
_HEBREW = "\u0590-\u05ff\ufb1d-\ufb4f"
_CONNECT = r"[ .\-_/'’:@&,]+"
# A run of Latin script inside right-to-left text: "Node.js 20", "C++", "print()", "helper’s high".
_LATIN_RUN = re.compile(
    rf"[{_LATIN}](?:[{_LATIN}0-9]|\([^()\n{_HEBREW}]*\)|[+#]+|%|{_CONNECT}(?=[{_LATIN}0-9]))*"
)
# A run of Hebrew inside left-to-right text: "בלוג פוסטים", "ד״ר לוי".
_HEBREW_RUN = re.compile(rf"[{_HEBREW}](?:[{_HEBREW}0-9״׳\"']|{_CONNECT}(?=[{_HEBREW}0-9]))*")
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
    out: list[str] = []
    stack: list[tuple[str, str]] = []  # (tag name, direction inside it)
    for piece in _TAG.split(markup):
        if not piece:
            continue
        current = stack[-1][1] if stack else direction
        if piece.startswith("<"):
            out.append(_open_or_close(piece, current, stack))
        elif any(tag in _LTR_ALWAYS for tag, _ in stack):
            out.append(piece)
        else:
            out.append(_wrap_runs(piece, current))
    return "".join(out)


def _open_or_close(tag: str, current: str, stack: list[tuple[str, str]]) -> str:
    name_match = _TAG_NAME.match(tag)
    if not name_match or tag.startswith("<!"):
        return tag
    name = name_match.group(1).lower()
    if tag.startswith("</"):
        while stack and stack.pop()[0] != name:
            pass
        return tag
    if name in _VOID or tag.endswith("/>"):
        return tag
    explicit = _DIR_ATTR.search(tag)
    inner = explicit.group(1) if explicit and explicit.group(1) != "auto" else current
    if name in _LTR_ALWAYS and not explicit and current == "rtl":
        tag = tag[:-1] + ' dir="ltr">'
        inner = "ltr"
    stack.append((name, inner))
    return tag


def _wrap_runs(text: str, direction: str) -> str:
    opposite = "ltr" if direction == "rtl" else "rtl"
    return _runs(direction).sub(lambda m: f'<span dir="{opposite}">{m.group()}</span>' if _needs_isolation(m.group()) else m.group(), text)
