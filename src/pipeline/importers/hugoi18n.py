"""Hugo's i18n/<lang>.toml|yaml|json strings: a translation for each theme string the source language's file spells the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.importers.hugoconfig import SUFFIXES, parse_data

MAX_BYTES = 1_048_576


def read_strings(src: Path, lang: str) -> dict[str, str]:
    """Hugo's translation id -> text for `lang` (the `other` form of a plural), from i18n/; empty when there is none."""
    for suffix in SUFFIXES:
        path = src / "i18n" / f"{lang}{suffix}"
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_BYTES:
            try:
                text = path.read_text("utf-8-sig")
            except (OSError, UnicodeDecodeError):
                return {}
            data, problem = parse_data(text, suffix, f"i18n/{path.name}", 1)
            return {} if problem else _entries(data)
    return {}


def _entries(data: dict[str, Any]) -> dict[str, str]:
    found = {}
    items = data.items() if not isinstance(data.get("translations"), list) else ()
    for key, value in items:
        text = value.get("other") if isinstance(value, dict) else value
        if isinstance(text, str) and text.strip():
            found[str(key)] = text.strip()
    return found


def theme_translations(src: Path, source: str, lang: str, theme_ids: set[str]) -> dict[str, str]:
    """Theme msgid -> the Hugo site's `lang` text, where the source language's file has exactly that msgid's words for the same id.

    Strings with Go template placeholders (`{{ .Count }}`) are left out: their arguments do not carry over.
    """
    own, theirs = read_strings(src, source), read_strings(src, lang)
    found = {}
    for key, english in own.items():
        translated = theirs.get(key)
        if english in theme_ids and translated and "{{" not in english and "{{" not in translated and translated != english:
            found[english] = translated
    return found
