"""Gettext PO files read with the line of every entry and every problem, and CLDR's plural forms for their headers."""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileParser, unescape

from pipeline import sitepaths
from pipeline.diagnostics import Diagnostic

_CLDR_TAGS = ("zero", "one", "two", "few", "many")  # gettext's form order; "other" is always last
_STRING = r'"(?:[^"\\]|\\.)*"'
_KEYWORD_LINE = re.compile(rf"(msgctxt|msgid|msgid_plural|msgstr|msgstr\[(\d+)\])\s*({_STRING})\s*")
_CONTINUATION = re.compile(rf"{_STRING}\s*")
_MAY_FOLLOW = {  # which keyword may come before each one
    "msgctxt": {"", "msgstr"},
    "msgid": {"", "msgstr", "msgctxt"},
    "msgid_plural": {"msgid"},
    "msgstr": {"msgid", "msgid_plural", "msgstr"},
}
SAMPLE = (*range(1001), 10_000, 100_000, 1_000_000, 1_000_001, 2_000_000)  # whole numbers to compare plural rules on


@dataclass(frozen=True, slots=True)
class PluralForms:
    """A language's gettext plural rule, derived from its CLDR rules for whole numbers."""

    count: int
    expression: str  # C syntax, as gettext's Plural-Forms header has it

    @property
    def header(self) -> str:
        return f"nplurals={self.count}; plural={self.expression};"

    def index(self) -> Callable[[int], int]:
        """The form to use for a number n."""
        return gettext.c2py(self.expression)

    def agrees(self, count: int, expression: str) -> bool:
        """Whether a header's nplurals and plural expression pick the same forms as this rule, for whole numbers."""
        try:
            theirs = gettext.c2py(expression)
        except (ValueError, SyntaxError):
            return False
        ours = self.index()
        return count == self.count and all(theirs(n) == ours(n) for n in SAMPLE)

    def numbers(self, form: int, limit: int = 3) -> list[int]:
        """The first few numbers that take `form`."""
        index = self.index()
        return [n for n in SAMPLE if index(n) == form][:limit]


def cldr_locale(lang: str) -> Locale | None:
    """The CLDR locale of a language code such as `he` or `pt-BR`, or None when CLDR does not know it."""
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


def plural_forms(locale: Locale) -> PluralForms:
    """CLDR's plural categories for whole numbers as gettext forms, in CLDR order: he gives one / two / other."""
    conditions = {tag: _fold(node) for tag, node in locale.plural_form.abstract}
    reachable = [tag for tag in _CLDR_TAGS if conditions.get(tag, False) is not False]  # e.g. Czech "many" is for decimals only
    if not reachable:
        return PluralForms(1, "0")
    chain = "".join(f"{conditions[tag]} ? {index} : " for index, tag in enumerate(reachable))
    return PluralForms(len(reachable) + 1, f"({chain}{len(reachable)})")


def _fold(node: tuple[str, Any]) -> Any:
    """A CLDR rule node as C for a whole number n (so i is n, and v, w, f, t, c, e are 0), folding constants."""
    op, args = node
    if op in ("n", "i"):
        return "n"
    if op in ("v", "w", "f", "t", "c", "e"):
        return 0
    if op == "value":
        return args[0]
    if op == "mod":
        left, right = _fold(args[0]), _fold(args[1])
        return left % right if isinstance(left, int) else f"{left}%{right}"
    if op == "not":
        inner = _fold(args[0])
        return (not inner) if isinstance(inner, bool) else f"!({inner})"
    if op in ("and", "or"):
        return _junction(op, _fold(args[0]), _fold(args[1]))
    if op == "relation":
        _method, expr, (_, ranges) = args
        return _relation(_fold(expr), [(_fold(low), _fold(high)) for low, high in ranges])
    raise ValueError(f"unknown CLDR plural rule node {op!r}")


def _junction(op: str, left: Any, right: Any) -> Any:
    absorbing = op == "or"  # true absorbs an "or", false absorbs an "and"
    for this, other in ((left, right), (right, left)):
        if isinstance(this, bool):
            return absorbing if this is absorbing else other
    return f"{_group(left)} {'||' if absorbing else '&&'} {_group(right)}"


def _relation(expr: Any, ranges: list[tuple[int, int]]) -> Any:
    if isinstance(expr, int):
        return any(low <= expr <= high for low, high in ranges)
    parts = [f"{expr}=={low}" if low == high else f"{expr}>={low} && {expr}<={high}" for low, high in ranges]
    return parts[0] if len(parts) == 1 else " || ".join(_group(part) for part in parts)


def _group(expr: str) -> str:
    return f"({expr})" if " " in expr else expr


@dataclass(frozen=True, slots=True)
class PoFile:
    """A catalog as read, with what Babel's reader does not keep: each entry's msgstr[] indices and every problem."""

    path: str  # relative to the site root
    catalog: Catalog
    forms: dict[int, tuple[int, ...]]  # msgid line -> msgstr[] indices as written (empty for a singular entry)
    problems: tuple[Diagnostic, ...]  # syntax and encoding, each with its line
    plural_line: int | None  # the line of the Plural-Forms header, None when there is none


class _Parser(PoFileParser):
    """Babel's PO parser, collecting problems with their lines instead of printing them."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__(catalog, ignore_obsolete=False, abort_invalid=False)
        self.found: list[tuple[int, str]] = []

    def _invalid_pofile(self, line: str, lineno: int, msg: str) -> None:  # Babel's hook for bad input
        self.found.append((lineno + 1, msg))


MAX_PO_BYTES = 16 << 20  # a catalog of every string of a large site is well under 1 MB


def read(root: Path, rel: str) -> PoFile:
    """Read the PO file `rel` under `root`; problems are reported, never raised."""
    try:
        data = sitepaths.read_bytes(root, rel, MAX_PO_BYTES)
    except (sitepaths.UnsafePath, sitepaths.TooLarge) as exc:
        return PoFile(rel, Catalog(), {}, (Diagnostic.make("path-unsafe", rel, 1, 1, str(exc)),), None)
    except OSError as exc:
        return PoFile(rel, Catalog(), {}, (Diagnostic.make("file-unreadable", rel, 1, 1, f"cannot be read: {exc.strerror}"),), None)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diag = Diagnostic.make("encoding-invalid", rel, line, 1, f"not UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start}")
        return PoFile(rel, Catalog(), {}, (diag,), None)
    lines = text.splitlines()
    forms, problems = _scan(lines)
    catalog = Catalog(charset="utf-8")
    parser = _Parser(catalog)
    current = [0]
    try:
        parser.parse(_counting(lines, current))
        _restore_previous(catalog)
    except (ValueError, IndexError, KeyError, UnknownLocaleError) as exc:
        parser.found.append((current[0], f"cannot be read: {exc}"))
    reported = {line for line, _ in problems}
    for line, message in parser.found:
        if line not in reported and "more translations than num_plurals" not in message:  # counted by the plural checks
            problems.append((line, message))
    diags = tuple(Diagnostic.make("catalog-syntax", rel, line, 1, message) for line, message in sorted(problems))
    plural_line = next((n for n, line in enumerate(lines, 1) if line.startswith('"Plural-Forms:')), None)
    return PoFile(rel, catalog, forms, diags, plural_line)


def _counting(lines: list[str], current: list[int]) -> Iterator[str]:
    """The lines for Babel, noting which one it is reading; `#~|` lines (msgmerge's) are left out, as Babel rejects them."""
    for number, line in enumerate(lines, 1):
        current[0] = number
        yield "" if line.startswith("#~|") else line


def _restore_previous(catalog: Catalog) -> None:
    """Babel reads `#| msgid "..."` lines as translator comments; make them the previous msgid again."""
    for message in catalog:
        marked = [comment[1:].strip() for comment in message.user_comments if comment.startswith("|")]
        if not marked:
            continue
        message.user_comments = [comment for comment in message.user_comments if not comment.startswith("|")]
        previous: list[str] = []
        keyword = ""
        for line in marked:
            if not line.startswith('"'):
                keyword, _, line = line.partition(" ")
                if keyword in ("msgid", "msgid_plural"):
                    previous.append("")
            if keyword in ("msgid", "msgid_plural") and previous and line.startswith('"'):
                previous[-1] += unescape(line)
        message.previous_id = previous


@dataclass(slots=True)
class _Entry:
    line: int  # of its msgid
    context: str | None
    msgid: str = ""
    forms: list[int] = field(default_factory=list)


def _scan(lines: list[str]) -> tuple[dict[int, tuple[int, ...]], list[tuple[int, str]]]:
    """Check each line's shape, note the msgstr[] indices of every entry, and find duplicate entries."""
    entries: list[_Entry] = []
    problems: list[tuple[int, str]] = []
    context: str | None = None
    keyword = ""
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _KEYWORD_LINE.fullmatch(line)
        if match is None and _CONTINUATION.fullmatch(line) is None:
            problems.append((number, f"not a PO line (a keyword and a quoted string, or a quoted string): {line[:60]}"))
            continue
        if match is not None:
            previous, keyword, line = keyword, match.group(1), match.group(3)
            if previous.partition("[")[0] not in _MAY_FOLLOW[keyword.partition("[")[0]]:
                problems.append((number, f"{keyword} cannot follow {previous or 'the start of the file'}"))
            if keyword == "msgctxt":
                context = ""
            elif keyword == "msgid":
                entries.append(_Entry(number, context))
                context = None
            elif keyword.startswith("msgstr[") and entries:
                entries[-1].forms.append(int(match.group(2)))
        if keyword == "msgctxt" and context is not None:
            context += unescape(line)
        elif keyword == "msgid" and entries:
            entries[-1].msgid += unescape(line)
    return {entry.line: tuple(entry.forms) for entry in entries}, problems + _duplicates(entries)


def _duplicates(entries: list[_Entry]) -> list[tuple[int, str]]:
    seen: dict[tuple[str | None, str], int] = {}
    problems = []
    for entry in entries:
        key = (entry.context, entry.msgid)
        if key in seen and (entry.msgid or entry.context is not None):
            problems.append((entry.line, f"a second entry for msgid '{entry.msgid}' (the first is on line {seen[key]})"))
        seen.setdefault(key, entry.line)
    return problems
