"""Split a source article into sections and fingerprint each, so a translation knows what changed."""

from __future__ import annotations

import difflib
import hashlib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pipeline.content.markdown import Heading

INTRO = "intro"
MAX_ALIGNED = 250_000  # sections recorded x sections now: above it, no alignment (quadratic), only keys
Recalled = Callable[[], tuple[tuple[Any, ...], ...]]  # what gives a recalled fingerprint's sections as plain tuples


class HasBody(Protocol):
    """What has an article's body (an Article)."""

    @property
    def body(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Section:
    """A fingerprinted part of an article: title, summary, the intro, or the text under one heading."""

    key: str  # "title", "summary", "intro", or the heading's slug
    label: str  # what people call it: the heading text, or the key
    text: str
    digest: str
    line: int  # the file line it starts on; 0 for title and summary (they are in the front matter)


class Fingerprint:
    """Every section's digest, and one digest for the whole article; read-only.

    One recalled from its plain record (`recalled`) makes its Section objects only when they are read, and gives its
    digest without them: a build after one edit reads the sections of few of the unchanged articles.
    """

    __slots__ = ("_digest", "_plain", "_sections")
    _sections: tuple[Section, ...]
    _digest: str | None  # a recalled one's, as its record says
    _plain: tuple[Recalled, HasBody] | None  # what gives a recalled one's sections, and what has the body they slice

    def __init__(self, sections: tuple[Section, ...]) -> None:
        self._sections, self._digest, self._plain = sections, None, None

    @classmethod
    def recalled(cls, sections: Recalled, body: HasBody, digest: str) -> Fingerprint:
        """The fingerprint whose digest is `digest`, and whose sections `sections` gives when asked, as (key, label, text,
        digest, line) each, where a text may be its (start, end) in `body.body`."""
        made = cls(())
        made._plain = (sections, body)
        made._digest = digest
        return made

    @property
    def sections(self) -> tuple[Section, ...]:
        """The sections; a recalled fingerprint makes them anew each time they are read, from its record and the body: kept,
        their texts would be a second copy of every article's body for as long as the validation is (15 MB at 1,000 pairs)."""
        if self._plain is None:
            return self._sections
        sections, article = self._plain
        body = article.body
        return tuple(
            Section(key, label, body[text[0] : text[1]] if isinstance(text, tuple) else text, digest, line)
            for key, label, text, digest, line in sections()
        )

    def materialized(self) -> Fingerprint:
        """This fingerprint with its sections made once and kept, for a caller that reads them several times (an id's
        translation checks read each of its fingerprints' sections up to five times); the same digest."""
        if self._plain is None:
            return self
        made = Fingerprint(self.sections)
        made._digest = self._digest
        return made

    @property
    def digest(self) -> str:
        if self._digest is not None:
            return self._digest
        return _digest("\n".join(f"{s.key}={s.digest}" for s in self._sections))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fingerprint) and self.sections == other.sections

    def __hash__(self) -> int:
        return hash(self.sections)

    def __repr__(self) -> str:
        return f"Fingerprint(sections={self.sections!r})"

    def as_record(self) -> dict[str, object]:
        """What a translation stores under `translated_from`."""
        return {"fingerprint": self.digest, "sections": {s.key: s.digest for s in self.sections}}


@dataclass(frozen=True, slots=True)
class Change:
    """How one section differs from what the translator saw: 'changed', 'added', 'removed', 'renamed' or 'moved'."""

    key: str
    label: str
    kind: str
    other: str = ""  # renamed: the key it had; moved: the label of the section it now comes before ("" for the end)


def fingerprint(title: str, summary: str | None, body: str, headings: tuple[Heading, ...], body_line: int) -> Fingerprint:
    """The sections of an article and their digests; `headings` come from markdown.scan of `body`."""
    parts: list[tuple[str, str, str, int]] = [("title", "title", title, 0)]
    if summary:
        parts.append(("summary", "summary", summary, 0))
    lines = body.split("\n")
    starts = [h.line - body_line for h in headings]
    intro = "\n".join(lines[: starts[0]] if starts else lines)
    if intro.strip():
        blank = len(intro) - len(intro.lstrip("\n"))
        parts.append((INTRO, INTRO, intro, body_line + intro.count("\n", 0, blank)))
    for index, heading in enumerate(headings):
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        parts.append((heading.anchor, heading.text, "\n".join(lines[starts[index] : end]), heading.line))
    return Fingerprint(tuple(Section(key, label, text, _digest(text), line) for key, label, text, line in parts))


def compare(recorded: Mapping[str, str], current: Fingerprint) -> tuple[Change, ...]:
    """What changed in the source since a translation recorded `recorded` (key -> digest, in the order the sections had).

    Headings are aligned in order, so a heading given new words where the old one stood is 'renamed' (not one added and
    one removed) and a section that now stands elsewhere is 'moved'; its text may have changed as well.
    """
    old_keys, sections = list(recorded), current.sections
    new_keys = [section.key for section in sections]
    if len(old_keys) * len(new_keys) > MAX_ALIGNED:  # a hostile number of headings: keys compared as sets, in linear time
        return _by_key(recorded, current)
    changes: list[Change] = []
    old_set, new_set = set(old_keys), set(new_keys)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old_keys, b=new_keys, autojunk=False).get_opcodes():
        if tag == "equal":
            changes += [Change(s.key, s.label, "changed") for s in sections[j1:j2] if recorded[s.key] != s.digest]
            continue
        gone = [key for key in old_keys[i1:i2] if key not in new_set]
        came = [s for s in sections[j1:j2] if s.key not in old_set]
        renames = min(len(gone), len(came)) if tag == "replace" else 0
        changes += [Change(s.key, s.label, "renamed", old) for old, s in zip(gone, came)]
        changes += [Change(s.key, s.label, "added") for s in came[renames:]]
        changes += [Change(key, key, "removed") for key in gone[renames:]]
        for index, section in enumerate(sections[j1:j2], j1):
            if section.key in old_set:
                after = sections[index + 1].label if index + 1 < len(sections) else ""
                changes.append(Change(section.key, section.label, "moved", after))
                if recorded[section.key] != section.digest:
                    changes.append(Change(section.key, section.label, "changed"))
    return tuple(changes)


def _by_key(recorded: Mapping[str, str], current: Fingerprint) -> tuple[Change, ...]:
    changes = []
    for section in current.sections:
        if section.key not in recorded:
            changes.append(Change(section.key, section.label, "added"))
        elif recorded[section.key] != section.digest:
            changes.append(Change(section.key, section.label, "changed"))
    keys = {s.key for s in current.sections}
    changes += [Change(key, key, "removed") for key in recorded if key not in keys]
    return tuple(changes)


def _digest(text: str) -> str:
    """Eight hex digits of SHA-256 over the text with white space folded, so re-wrapping is no change."""
    normal = " ".join(unicodedata.normalize("NFC", text).split())  # runs of white space (str.isspace) as one space
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:8]
