"""Where plain text needs bidi isolation: the runs of the other direction, and the tokens that must stay whole and left-to-right."""

from __future__ import annotations

import re
from dataclasses import dataclass

LATIN = "A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff"
HEBREW = "\u0590-\u05ff\ufb1d-\ufb4f\u0600-\u06ff\u0750-\u077f"
OBJECT = "\ufffc"  # stands for something the runs may pass over but never start or end on (inline code, an image)
_LATIN_LETTER = re.compile(f"[{LATIN}]")
_DIGIT_OR_MARK = re.compile(r"[\d/@#+$€£¥]")  # where a token can be without a Latin letter
_HEBREW_LETTER = re.compile(f"[{HEBREW}]")
_TAIL = ".,;:!?'’\"”»"
_SEGMENT = r'[^\s\\<>"|?*]'  # a character of a Windows path's folder or file name
# Where a name starting with a dot can be (not a sentence's full stop): the dot first, for the search to skip to it.
_DOTTED = re.compile(r"\.(?<![\w.]\.)[A-Za-z]")

# What must stay whole and left-to-right in right-to-left text, each anchored where it can start (linear time), with
# a quick test of whether the text can hold one at all (most paragraphs hold none, and the patterns are the cost).
_TOKENS = tuple(
    (test if isinstance(test, re.Pattern) else re.compile(test) if test.startswith("(") else test, re.compile(pattern))
    for test, pattern in (
        ("://", r"(?<![\w/])(?:https?|ftp)://[^\s<>\"]+"),  # URLs, with query and fragment
        ("www.", r"(?<![\w./])www\.[A-Za-z0-9-]+\.[^\s<>\"]+"),
        ("@", r"(?<![\w.+%-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),  # emails
        ("@", r"(?<![\w@#&])@[A-Za-z_][A-Za-z0-9_]*(?:[.\-][A-Za-z0-9_]+)*"),  # @handles
        ("#", r"(?<![\w@#&])#[A-Za-z_][A-Za-z0-9_]*(?:[.\-][A-Za-z0-9_]+)*"),  # #tags
        ("/", r"(?<![\w/.~:])(?:~|\.{1,2})?/[A-Za-z0-9._~+-]+(?:/[A-Za-z0-9._~+-]*)*"),  # /etc/hosts, ./run.sh
        ("+", r"(?<![\w+])\+\d[\d ().-]{4,20}\d"),  # international phone numbers: +972-3-555-1234
        # signed numbers and prices, with a unit: -5°C, +3.5%, −40 °F, -$5
        (r"([+\-\u2212\u00b1][$€£¥]?\d)", r"(?<![^\s(\[])[+\-\u2212\u00b1][$€£¥]?\d+(?:[.,]\d+)*(?:\s?(?:°[CFK]?|%|‰|[A-Za-z]{1,3}\b))?"),
        (r"(\d\s?[°A-Za-z])", r"(?<![\w.])\d+(?:[.,]\d+)*\s?(?:°[CFK]?|[A-Za-z]{1,3}\b)(?![.,]?\d)"),  # with a unit: 5°C, 20 MB
        (
            r"(v\d|\d\.\d+[.+-])",
            r"(?<![\w.])(?:v\d+(?:\.\d+)*|\d+(?:\.\d+){2,})(?:[-+][0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?|(?<![\w.])\d+\.\d+[-+][0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*",
        ),  # versions
        (r"([$€£¥]\d)", r"(?<![\w.])[$€£¥]\d+(?:[.,]\d+)*(?:\s?[-\u2013]\s?[$€£¥]?\d+(?:[.,]\d+)*)?"),  # prices: $9.99, €10–€20
        # Windows paths: C:\Users\dana\NuGet.Config, and C:\Program Files\App (a folder's name may hold a space when a
        # backslash follows it); network paths: \\server\share
        (":\\", rf"(?<![\w\\])[A-Za-z]:\\(?:{_SEGMENT}+(?: {_SEGMENT}+)*\\)*{_SEGMENT}*"),
        ("\\\\", rf"(?<![\w\\])\\\\[A-Za-z0-9._$-]+(?:\\(?:{_SEGMENT}+(?: {_SEGMENT}+)*\\)*{_SEGMENT}*)?"),
        ("$", r"(?<![\w$])\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})"),  # shell variables: $HOME, ${PATH}
        ("⌘", r"(?<![\w⌘⌥⇧⌃+])[⌘⌥⇧⌃](?:\+?[⌘⌥⇧⌃])*(?:\+?[A-Za-z0-9]+)?"),  # a Mac's keys: ⌘+C, ⇧⌘P
        (_DOTTED, r"(?<![\w.])\.[A-Za-z][A-Za-z0-9_+#-]*(?:\.[A-Za-z0-9_-]+)*"),  # names that start with a dot: .NET, .gitignore
    )
)
# Abbreviations and initials whose full stop does not end a sentence: "Dr. Smith", "J. R. R. Tolkien".
_NOT_AN_END = "|".join(f"(?<={word})" for word in ("Dr", "Mr", "Mrs", "Ms", "Prof", "St", "Jr", "Sr", "vs", "Inc", "Ltd", "No"))
# Where a number token can be: a sign, a currency or "v" before a digit, a unit after one, a second dot.
_NUMBER_SIGNAL = re.compile(r"\d(?:(?<=[+\-\u2212\u00b1$€£¥v]\d)|\s?[°A-Za-z]|\.\d+[.+-])")  # one scan, digits first
_CONNECT = rf"(?:[ \u00a0]|[-_/:'’&@+*=~<>|\u2013]|\.(?=[{{L}}0-9{{O}}])|(?:{_NOT_AN_END}|(?<=\b[A-Z]))\. |{{O}})"
# A run of Latin script inside right-to-left text: "Node.js 20", "C++", "print()", "Tom & Jerry"; it ends at a
# sentence end (". ") and at a list separator (", "), so "Node.js. React" and "Node.js, React" are two runs.
_LATIN_RUN = re.compile(
    rf"[{LATIN}](?:[{LATIN}0-9]|\([^()\n{HEBREW}]*\)|[+#]+|[%®™]|{_CONNECT.format(L=LATIN, O=OBJECT)}+(?=[{LATIN}0-9]|\([^()\n{HEBREW}]*\)))*"
)
# A run of Hebrew inside left-to-right text: "בלוג פוסטים", "ד״ר לוי", "צה\"ל".
_HEBREW_RUN = re.compile(rf"[{HEBREW}](?:[{HEBREW}0-9״׳\"'\u05be]|{_CONNECT.format(L=HEBREW, O=OBJECT)}+(?=[{HEBREW}0-9]))*")
# A quoted phrase; whether it is of the other direction is decided on its text.
_QUOTED = re.compile(r"(?<![^\s(\[\-\u05be\u2013\u2014:])([\"“„«])([^\"“”„«»\n]+)([\"”“»])(?=$|[\s.,;:!?)\]\-\u05be\u2013\u2014])")
# An author's override where the heuristic cannot know: [text]{dir=ltr} or [text]{dir=rtl}.
_OVERRIDE = re.compile(r"\[([^\[\]\n]+)\]\{dir=(ltr|rtl)\}")
# What an author already isolated (U+2066-2068 ... U+2069): left as written.
_AUTHOR_ISOLATE = re.compile("[\u2066\u2067\u2068][^\u2066-\u2069]*\u2069")


@dataclass(frozen=True, slots=True)
class Run:
    """Characters start..end of the text, to be isolated in `direction`; `foreign` when they are words of the other language."""

    start: int
    end: int
    direction: str
    foreign: bool


def opposite(direction: str) -> str:
    return "ltr" if direction == "rtl" else "rtl"


def is_foreign_only(text: str, direction: str) -> bool:
    """Text with letters of the other direction and none of its own: an English heading on a Hebrew page."""
    own, other = (_HEBREW_LETTER, _LATIN_LETTER) if direction == "rtl" else (_LATIN_LETTER, _HEBREW_LETTER)
    return other.search(text) is not None and own.search(text) is None


def decide(text: str, direction: str) -> tuple[list[Run], list[tuple[int, int]]]:
    """The runs to isolate and the characters to drop: the brackets and braces of the author's [text]{dir=...} overrides."""
    if "]{dir=" not in text:
        return find_runs(text, direction), []
    forced, cuts = [], []
    for match in _OVERRIDE.finditer(text):
        chosen, inner = match.group(2), match.group(1)
        foreign = chosen != direction and (_LATIN_LETTER if chosen == "ltr" else _HEBREW_LETTER).search(inner) is not None
        forced.append(Run(match.start(1), match.end(1), chosen, foreign))
        cuts += [(match.start(), match.start(1)), (match.end(1), match.end())]
    spans = [(run.start - 1, cut[1]) for run, cut in zip(forced, cuts[1::2], strict=True)]
    found = [r for r in find_runs(_mask(text, spans), direction) if not _overlaps(r.start, r.end, spans)]
    return sorted(found + forced, key=lambda r: r.start), cuts


def find_runs(text: str, direction: str) -> list[Run]:
    """The runs of `text` (read in a `direction` context) to isolate, in order and never overlapping."""
    other = opposite(direction)
    own_letters, letters = (_HEBREW_LETTER, _LATIN_LETTER) if direction == "rtl" else (_LATIN_LETTER, _HEBREW_LETTER)
    first = letters.search(text)
    if first is None and (direction != "rtl" or ("www." not in text and _DIGIT_OR_MARK.search(text) is None)):
        return []  # nothing of the other direction, and nothing that must stay left-to-right
    if first is not None and own_letters.search(text) is None:  # all of it foreign: one run
        stripped = text.strip()
        start = text.index(stripped[0])
        return [Run(start, start + len(stripped), other, True)]
    fixed = [(m.start(), m.end()) for m in _AUTHOR_ISOLATE.finditer(text)] if "\u2069" in text else []
    quoted = _quoted(text, direction, fixed)
    taken = sorted(fixed + [(r.start, r.end) for r in quoted])
    masked = _mask(text, taken)
    runs = list(quoted)
    begin = first.start() if first is not None else 0
    if direction == "rtl":
        tokens = [(s, e) for s, e in _tokens(masked) if not _overlaps(s, e, taken)]
        masked = _mask_as_word(masked, tokens)
        begin = min([begin, *(s for s, _ in tokens[:1])])
        pattern = _LATIN_RUN
    else:
        pattern = _HEBREW_RUN
    for match in pattern.finditer(masked, begin):
        start, end = match.span()
        runs.append(Run(start, end, other, letters.search(text, start, end) is not None))
    return sorted(runs, key=lambda r: r.start) if quoted else runs


def _quoted(text: str, direction: str, fixed: list[tuple[int, int]]) -> list[Run]:
    """A quoted phrase of the other direction is one run with its own final punctuation: "Hello, world!"."""
    if '"' not in text and "“" not in text and "„" not in text and "«" not in text:
        return []
    found = []
    for match in _QUOTED.finditer(text):
        inner = match.group(2)
        if is_foreign_only(inner, direction) and not _overlaps(match.start(2), match.end(2), fixed):
            stripped = inner.strip()
            start = match.start(2) + inner.index(stripped[0])
            found.append(Run(start, start + len(stripped), opposite(direction), True))
    return found


def _tokens(text: str) -> list[tuple[int, int]]:
    """The tokens of `text`, leftmost first and the longest where two start together, never overlapping."""
    numbers = _NUMBER_SIGNAL.search(text) is not None
    dotted = _DOTTED.search(text) is not None
    if not (
        numbers
        or dotted
        or "/" in text
        or "@" in text
        or "#" in text
        or "+" in text
        or "www." in text
        or "\\" in text
        or "$" in text
        or "⌘" in text
    ):
        return []  # the usual paragraph: nothing a token starts with
    found = []
    for test, pattern in _TOKENS:
        if test in text if isinstance(test, str) else dotted if test is _DOTTED else numbers and test.search(text):
            for match in pattern.finditer(text):
                start, end = match.span()
                while end > start + 1 and text[end - 1] in _TAIL:  # a sentence's full stop is not part of a URL or a path
                    end -= 1
                if text[end - 1] == ")" and text.count("(", start, end) < text.count(")", start, end):
                    end -= 1
                found.append((start, end))
    found.sort(key=lambda span: (span[0], -span[1]))
    kept: list[tuple[int, int]] = []
    for start, end in found:
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with `spans` blanked to a newline each (nothing runs across them), positions kept."""
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        parts += [text[last:start], "\n" * (end - start)]
        last = end
    return "".join(parts) + text[last:]


def _mask_as_word(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each token written as Latin letters, so a run takes it whole (and joins the words beside it)."""
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        parts += [text[last:start], "x" * (end - start)]
        last = end
    return "".join(parts) + text[last:]
