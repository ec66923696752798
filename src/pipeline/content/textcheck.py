"""Unicode safety of text: NFC form and balanced, non-overriding bidi controls (Trojan Source)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_NAMES = {
    "\u202a": "LRE", "\u202b": "RLE", "\u202c": "PDF", "\u202d": "LRO", "\u202e": "RLO",
    "\u2066": "LRI", "\u2067": "RLI", "\u2068": "FSI", "\u2069": "PDI",
}  # fmt: skip
_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_EMBEDDINGS = {"\u202a", "\u202b", "\u202d", "\u202e"}  # closed by PDF
_ISOLATES = {"\u2066", "\u2067", "\u2068"}  # closed by PDI
_OVERRIDES = {"\u202d", "\u202e"}


@dataclass(frozen=True, slots=True)
class TextProblem:
    """A Unicode problem at a 1-based line and column (in characters)."""

    code: str
    line: int
    column: int
    message: str


def check(text: str, first_line: int = 1) -> list[TextProblem]:
    """Every NFC and bidi problem in `text`, whose first line is `first_line` of its file."""
    problems: list[TextProblem] = []
    if not unicodedata.is_normalized("NFC", text):
        problems.extend(_nfc_problems(text, first_line))
    if _CONTROLS.search(text):
        problems.extend(_bidi_problems(text, first_line))
    return problems


def _first_not_nfc(line: str) -> int:
    """The first index whose prefix (up to it) is no longer NFC, by bisection: O(n log n), not a prefix check per character."""
    low, high = 0, len(line) - 1  # the whole line is not NFC, so `high` qualifies
    while low < high:
        middle = (low + high) // 2
        if unicodedata.is_normalized("NFC", line[: middle + 1] + " "):
            low = middle + 1
        else:
            high = middle
    return low


def _nfc_problems(text: str, first_line: int) -> list[TextProblem]:
    problems = []
    for number, line in enumerate(text.split("\n"), first_line):
        if unicodedata.is_normalized("NFC", line):
            continue
        column = _first_not_nfc(line)
        problems.append(
            TextProblem(
                "unicode-not-nfc",
                number,
                column + 1,
                f"text is not in Unicode NFC form near '{line[max(column - 10, 0) : column + 10]}'; "
                "re-save the file with NFC normalization (most editors: 'normalize Unicode')",
            )
        )
    return problems


def _bidi_problems(text: str, first_line: int) -> list[TextProblem]:
    """Overrides are always reported; embeddings and isolates must close on their own line."""
    problems = []
    for number, line in enumerate(text.split("\n"), first_line):
        stack: list[tuple[str, int]] = []
        for match in _CONTROLS.finditer(line):
            char, column = match.group(), match.start() + 1
            name = f"U+{ord(char):04X} {_NAMES[char]}"
            if char in _OVERRIDES:
                problems.append(
                    TextProblem("bidi-override", number, column, f"bidi override control {name} reorders how this line displays; remove it")
                )
            if char in _EMBEDDINGS or char in _ISOLATES:
                stack.append((char, column))
            elif not _closes(stack, char):
                problems.append(
                    TextProblem("bidi-unbalanced", number, column, f"bidi control {name} closes nothing on this line; remove it")
                )
        for char, column in stack:
            name = f"U+{ord(char):04X} {_NAMES[char]}"
            closer = "PDI (U+2069)" if char in _ISOLATES else "PDF (U+202C)"
            problems.append(TextProblem("bidi-unbalanced", number, column, f"bidi control {name} is not closed by a {closer} on this line"))
    return problems


def _closes(stack: list[tuple[str, int]], closer: str) -> bool:
    """Pop the innermost opener that `closer` ends; False when there is none."""
    openers = _ISOLATES if closer == "\u2069" else _EMBEDDINGS
    for index in range(len(stack) - 1, -1, -1):
        if stack[index][0] in openers:
            del stack[index:]  # a PDI also closes embeddings opened inside its isolate
            return True
    return False
