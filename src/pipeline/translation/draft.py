"""A translation's first draft from its source, and the edit that records which source it now matches."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pipeline.content.articles import Article
from pipeline.content.fingerprint import Fingerprint

RECORD_KEY = "translated_from"
TRANSLATE_MARK = "  # translate"
_PLAIN = re.compile(r"^[A-Za-z0-9/][\w./+-]*$")
_FENCE = re.compile(r"^---[ \t]*$")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
_MODELINE = re.compile(r"^# yaml-language-server:.*$", re.MULTILINE)


def draft(source: Article, source_text: str, current: Fingerprint, shared: tuple[str, ...]) -> str:
    """The text of a new translation: shared fields copied, text fields marked `# translate`, fingerprint recorded."""
    shared_paths = {tuple(part for part in pointer.split("/") if part) for pointer in shared}
    lines = ["---"]
    modeline = _MODELINE.search(source_text.split("\n---", 1)[0])
    if modeline:
        lines.append(modeline.group())
    for key, value in source.fields.items():
        if key != RECORD_KEY:
            lines += _emit(key, value, (key,), shared_paths, 0)
    lines += record_lines(current)
    lines.append("---")
    return "\n".join(lines) + "\n" + source.body


def record_lines(current: Fingerprint) -> list[str]:
    """The `translated_from` block for the source fingerprint `current`."""
    record = current.as_record()
    lines = [f"{RECORD_KEY}:", f"  fingerprint: {_scalar(record['fingerprint'])}", "  sections:"]
    sections: Mapping[str, str] = record["sections"]  # type: ignore[assignment]
    lines += [f"    {_scalar(key)}: {_scalar(digest)}" for key, digest in sections.items()]
    return lines


def accept(translation_text: str, current: Fingerprint) -> str:
    """`translation_text` with its `translated_from` block replaced by one for `current`."""
    lines = translation_text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        raise ValueError("the translation does not start with a `---` front matter block")
    close = next((i for i in range(1, len(lines)) if _CLOSE.match(lines[i])), None)
    if close is None:
        raise ValueError("the translation's front matter is never closed by a `---` line")
    front = _without_record(lines[1:close])
    return "\n".join([lines[0], *front, *record_lines(current), *lines[close:]])


def _without_record(front: list[str]) -> list[str]:
    """The front matter lines less the top-level `translated_from:` key and its indented lines."""
    kept, skipping = [], False
    for line in front:
        if line.startswith(f"{RECORD_KEY}:"):
            skipping = True
            continue
        if skipping and (line.startswith((" ", "\t")) or not line.strip()):
            continue
        skipping = False
        kept.append(line)
    return kept


def _emit(key: str, value: Any, path: tuple[str, ...], shared: set[tuple[str, ...]], depth: int) -> list[str]:
    pad = "  " * depth
    if isinstance(value, Mapping):
        lines = [f"{pad}{_scalar(key)}:"]
        for sub_key, sub_value in value.items():
            lines += _emit(sub_key, sub_value, (*path, sub_key), shared, depth + 1)
        return lines
    if isinstance(value, tuple):
        return [f"{pad}{_scalar(key)}: [{', '.join(_scalar(item) for item in value)}]"]
    mark = TRANSLATE_MARK if isinstance(value, str) and path not in shared else ""
    return [f"{pad}{_scalar(key)}: {_scalar(value)}{mark}"]


def _scalar(value: Any) -> str:
    """A YAML scalar: plain where that reads back as the same text, double-quoted otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in ("true", "false", "yes", "no", "on", "off", "null", "~") and not _number(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
