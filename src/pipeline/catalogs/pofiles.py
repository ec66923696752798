"""Gettext PO files read with the line of every entry and every problem."""

from __future__ import annotations

import codecs
import gettext
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from babel import UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileParser, unescape

from pipeline import sitepaths
from pipeline.catalogs.plurals import SAMPLE
from pipeline.catalogs.runtime import MAX_PO_BYTES
from pipeline.content.sources import not_utf8
from pipeline.diagnostics import Diagnostic

_STRING = r'"(?:[^"\\]|\\.)*"'
_KEYWORD_LINE = re.compile(rf"(msgctxt|msgid|msgid_plural|msgstr|msgstr\[(\d{{1,6}})\])\s*({_STRING})\s*")
_CONTINUATION = re.compile(rf"{_STRING}\s*")
_MAY_FOLLOW = {  # which keyword may come before each one
    "msgctxt": {"", "msgstr"},
    "msgid": {"", "msgstr", "msgctxt"},
    "msgid_plural": {"msgid"},
    "msgstr": {"msgid", "msgid_plural", "msgstr"},
}
_ESCAPE = re.compile(r"\\([0-7]{1,3}|x[0-9A-Fa-f]*|.)")  # a backslash and what it escapes: gettext's octal and hex escapes whole
_READ_ESCAPES = frozenset('abfnrtv\\"')  # the escapes both gettext and Babel read (Babel leaves the others as they are)
_CHARSET = re.compile(rb'^"Content-Type:[^"\n]*?charset=([^"\\\s;]*)', re.MULTILINE)
_PLURAL_HEADER = re.compile(r"\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*([^;]*?)\s*;?\s*")
MAX_PLURALS = 6  # the most any language has (Arabic); a larger nplurals is refused before anything is sized by it
MAX_PLURAL_EXPRESSION = 300  # characters: CLDR's longest rule as C is well below


@dataclass(frozen=True, slots=True)
class PoFile:
    """A catalog as read, with what Babel's reader does not keep: each entry's msgstr[] indices and flags, and every problem."""

    path: str  # relative to the site root
    catalog: Catalog
    forms: dict[int, tuple[int, ...]]  # msgid line -> msgstr[] indices as written (empty for a singular entry)
    problems: tuple[Diagnostic, ...]  # syntax, encoding and a refused Plural-Forms header, each with its line
    plural_line: int | None  # the line of the Plural-Forms header, None when there is none
    flags: dict[int, frozenset[str]] = field(default_factory=dict)  # msgid line -> its `#,` flags as written
    decoded: bool = True  # False when the bytes could not be read as text: there are no entries to check

    @property
    def plurals_usable(self) -> bool:
        """Whether the Plural-Forms header was accepted (a refused one is not sized or evaluated)."""
        return not any(d.code == "catalog-plural-header" for d in self.problems)


class _Parser(PoFileParser):
    """Babel's PO parser, collecting problems with their lines instead of printing them."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__(catalog, ignore_obsolete=False, abort_invalid=False)
        self.found: list[tuple[int, str]] = []

    def _invalid_pofile(self, line: str, lineno: int, msg: str) -> None:  # Babel's hook for bad input
        self.found.append((lineno + 1, msg))


def read(root: Path, rel: str) -> PoFile:
    """Read the PO file `rel` under `root`; problems are reported, never raised."""
    try:
        data = sitepaths.read_bytes(root, rel, MAX_PO_BYTES)
    except (sitepaths.UnsafePath, sitepaths.TooLarge) as exc:
        return PoFile(rel, Catalog(), {}, (Diagnostic.make("path-unsafe", rel, 1, 1, str(exc)),), None)
    except OSError as exc:
        diag = Diagnostic.make("file-unreadable", rel, 1, 1, f"cannot be read: {exc.strerror}")
        return PoFile(rel, Catalog(), {}, (diag,), None, decoded=False)
    return parse(data, rel)


def parse(data: bytes, rel: str) -> PoFile:
    """A PO file's bytes read as gettext does: in the charset its header names (UTF-8 when it names none)."""
    found: list[Diagnostic] = []
    if data.startswith(codecs.BOM_UTF8):
        found.append(
            Diagnostic.make(
                "catalog-encoding", rel, 1, 1, "starts with a byte order mark, which gettext's msgfmt rejects; save as UTF-8 without BOM"
            )
        )
        data = data[len(codecs.BOM_UTF8) :]
    text, problem = _decode(data, rel)
    if text is None:
        return PoFile(rel, Catalog(), {}, (*found, *problem), None, decoded=False)
    lines = text.splitlines()
    forms, flags, problems, escapes = _scan(lines)
    plural_line, plural_end, value = _header_field(lines, "Plural-Forms")
    if plural_line is not None and (refused := plural_problem(value)) is not None:
        found.append(Diagnostic.make("catalog-plural-header", rel, plural_line, 1, refused))
        for number in range(plural_line, plural_end + 1):  # Babel would size every plural entry by it
            lines[number - 1] = 'msgstr ""' if lines[number - 1].lstrip().startswith("msgstr") else '""'
    catalog = Catalog(charset="utf-8")
    parser = _Parser(catalog)
    current = [0]
    try:
        parser.parse(_counting(lines, current))
        _restore_previous(catalog)
    except (ValueError, IndexError, KeyError, UnknownLocaleError, LookupError) as exc:
        parser.found.append((current[0], f"cannot be read: {exc}"))
    catalog.charset = "utf-8"  # what it is compiled to, whatever it was read from
    reported = {line for line, _ in problems}
    for line, message in parser.found:
        if line not in reported and "more translations than num_plurals" not in message:  # counted by the plural checks
            problems.append((line, message))
    located = sorted([(line, 1, message) for line, message in problems] + escapes, key=lambda row: (row[0], row[2]))
    found += [Diagnostic.make("catalog-syntax", rel, line, column, message) for line, column, message in located]
    return PoFile(rel, catalog, forms, tuple(found), plural_line, flags)


def _header_field(lines: list[str], name: str) -> tuple[int | None, int, str]:
    """(first line, last line, value) of a header field, which may go on over several quoted lines; (None, 0, "") without it."""
    first = next((n for n, raw in enumerate(lines) if raw.startswith("msgid")), None)
    if first is None or lines[first].strip() != 'msgid ""':
        return None, 0, ""  # the first entry is not a header
    start, value = None, ""
    for number in range(first + 2, len(lines) + 1):
        line = lines[number - 1].strip()
        if number > first + 2 and not line.startswith('"'):
            break
        text = unescape(line.removeprefix("msgstr").strip())
        if start is None and text.startswith(f"{name}:"):
            start, text = number, text.partition(":")[2]
        if start is not None:
            value += text
            if value.endswith("\n"):
                return start, number, value
    return (start, number, value) if start is not None else (None, 0, "")


def _decode(data: bytes, rel: str) -> tuple[str | None, tuple[Diagnostic, ...]]:
    """The text in the header's charset, or why it cannot be: an unknown charset, or bytes that are not in it."""
    match = _CHARSET.search(data)
    name = match.group(1).decode("ascii", "replace") if match else "UTF-8"
    line = data[: match.start()].count(b"\n") + 1 if match else 1
    try:
        codec = codecs.lookup(name if name.upper() != "CHARSET" else "ascii")  # xgettext's placeholder means ASCII only
    except LookupError:
        return None, (
            Diagnostic.make("catalog-encoding", rel, line, 1, f"the header names the charset '{name}', which is not one gettext knows"),
        )
    try:
        return data.decode(codec.name), ()
    except UnicodeDecodeError as exc:
        at = data[: exc.start].count(b"\n") + 1
        what = f"byte 0x{data[exc.start]:02x} at byte offset {exc.start}"
        if codec.name == "utf-8":
            return None, (Diagnostic.make("encoding-invalid", rel, *not_utf8(data, exc.start)),)
        text = f"the header says charset={name}, but {what} is not {name}; set the charset the file is saved in (UTF-8)"
        return None, (Diagnostic.make("catalog-encoding", rel, at, 1, text),)


def plural_problem(value: str) -> str | None:
    """Why a Plural-Forms value is refused: not `nplurals=N; plural=EXPR;`, too many forms, or an expression gettext cannot read."""
    match = _PLURAL_HEADER.fullmatch(value.replace("\n", ""))
    if match is None:
        return f"Plural-Forms is not 'nplurals=N; plural=EXPRESSION;': {value.strip()[:60]}"
    digits, expression = match.group(1).lstrip("0"), match.group(2)
    if len(digits) > 2 or int(digits or "0") > MAX_PLURALS or not digits:
        return f"Plural-Forms has nplurals={digits[:12] or 0}; a language has 1 to {MAX_PLURALS} plural forms"
    if len(expression) > MAX_PLURAL_EXPRESSION:
        return f"Plural-Forms has a plural expression of {len(expression)} characters; at most {MAX_PLURAL_EXPRESSION} are read"
    try:
        index = gettext.c2py(expression)
        largest = max(index(n) for n in SAMPLE)
    except (ValueError, SyntaxError, ZeroDivisionError, RecursionError, OverflowError) as exc:
        return f"Plural-Forms has a plural expression gettext cannot read ({exc}): {expression[:60]}"
    if largest >= int(digits):
        return f"Plural-Forms' expression gives form {largest} (for some n), but nplurals={digits} has forms 0 to {int(digits) - 1}"
    return None


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
    flags: frozenset[str] = frozenset()


def _scan(
    lines: list[str],
) -> tuple[dict[int, tuple[int, ...]], dict[int, frozenset[str]], list[tuple[int, str]], list[tuple[int, int, str]]]:
    """Check each line's shape and escapes (those with their columns), note the msgstr[] indices and flags of every entry,
    and find duplicate entries."""
    entries: list[_Entry] = []
    problems: list[tuple[int, str]] = []
    escapes: list[tuple[int, int, str]] = []
    context: str | None = None
    keyword = ""
    flags: set[str] = set()
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if line.startswith("#,"):
            flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        if not line or line.startswith("#"):
            continue
        match = _KEYWORD_LINE.fullmatch(line)
        if match is None and _CONTINUATION.fullmatch(line) is None:
            problems.append((number, f"not a PO line (a keyword and a quoted string, or a quoted string): {line[:60]}"))
            continue
        if "\\" in raw:
            escapes += [(number, column, message) for column, message in _unread_escapes(raw)]
        if match is not None:
            previous, keyword, line = keyword, match.group(1), match.group(3)
            if previous.partition("[")[0] not in _MAY_FOLLOW[keyword.partition("[")[0]]:
                problems.append((number, f"{keyword} cannot follow {previous or 'the start of the file'}"))
            if keyword == "msgctxt":
                context = ""
            elif keyword == "msgid":
                entries.append(_Entry(number, context, flags=frozenset(flags)))
                context, flags = None, set()
            elif keyword.startswith("msgstr[") and entries:
                entries[-1].forms.append(int(match.group(2)))
        if keyword == "msgctxt" and context is not None:
            context += unescape(line)
        elif keyword == "msgid" and entries:
            entries[-1].msgid += unescape(line)
    forms = {entry.line: tuple(entry.forms) for entry in entries}
    return forms, {entry.line: entry.flags for entry in entries}, problems + _duplicates(entries), escapes


def _unread_escapes(raw: str) -> Iterator[tuple[int, str]]:
    """(column, why) of each escape in a PO line's strings that would not reach the page as the character it means: one
    gettext does not know (msgfmt refuses the file), and an octal or hex one (gettext reads it, Babel shows it as written)."""
    for match in _ESCAPE.finditer(raw):
        escaped = match.group(1)
        if escaped in _READ_ESCAPES:
            continue
        if escaped[0] in "01234567" or (escaped[0] == "x" and len(escaped) > 1):
            why = f"'\\{escaped}' is an octal or hex escape, which the site would show as written: write the character itself"
        else:
            why = f"'\\{escaped[:1]}' is not an escape gettext knows (\\n, \\t, \\\", \\\\ and the like): write the character itself, or \\\\ for a backslash"
        yield match.start() + 1, why


def _duplicates(entries: list[_Entry]) -> list[tuple[int, str]]:
    seen: dict[tuple[str | None, str], int] = {}
    problems = []
    for entry in entries:
        key = (entry.context, entry.msgid)
        if key in seen and (entry.msgid or entry.context is not None):
            problems.append((entry.line, f"a second entry for msgid '{entry.msgid}' (the first is on line {seen[key]})"))
        seen.setdefault(key, entry.line)
    return problems
