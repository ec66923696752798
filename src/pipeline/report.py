"""Diagnostics as text (like a compiler), JSON, GitHub workflow annotations or SARIF 2.1.0."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from urllib.parse import quote

from pipeline import __version__
from pipeline.diagnostics import RULES, Diagnostic, count

FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def render(diagnostics: Sequence[Diagnostic], fmt: str, prefix: str = "") -> str:
    """The report in format `fmt`, one of FORMATS, ending in a newline when not empty.

    `prefix` (the site's folder from the repository's top, "docs/" or "") goes before every path in
    the CI formats, github and sarif, whose annotations are placed by repository paths.
    """
    renderer: dict[str, Callable[[Sequence[Diagnostic]], str]] = {
        "text": _text,
        "json": _json,
        "github": partial(_github, prefix=prefix),
        "sarif": partial(_sarif, prefix=prefix),
    }
    return renderer[fmt](diagnostics)


def repository_prefix(root: Path, base: Path | None = None) -> str:
    """The site folder `root` as a path from `base`, or from the top of the git repository holding it ("" when none does)."""
    site = root.resolve()
    top = base.resolve() if base is not None else next((folder for folder in (site, *site.parents) if (folder / ".git").exists()), site)
    try:
        rel = site.relative_to(top).as_posix()
    except ValueError:
        return ""
    return "" if rel == "." else rel + "/"


# Control characters (C0, DEL, C1: terminal escape sequences, a carriage return that overwrites the line, a newline
# that would break a message), the bidi controls that reorder a line and the invisible ones (RLM, ZWSP, soft hyphen,
# word joiner, BOM), shown as escapes in text meant for terminals and CI logs; one pass, linear.
_UNPRINTABLE = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in (
        *range(0x20),
        *range(0x7F, 0xA0),
        0xAD,
        0x61C,
        *range(0x200B, 0x2010),
        *range(0x2028, 0x202F),
        *range(0x2060, 0x206A),
        0xFEFF,
    )
}


def printable(text: str) -> str:
    """`text` with control characters and bidi controls escaped (`\\x1b`, `\\u202e`), safe to print on one line."""
    return text.translate(_UNPRINTABLE)


def _text(diagnostics: Sequence[Diagnostic]) -> str:
    return "".join(printable(f"{d.path}:{d.line}:{d.column}: {d.severity.value} {d.code}: {d.message}") + "\n" for d in diagnostics)


def summary(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """One closing line for people: what was checked and how it went."""
    counts = count(diagnostics)
    errors = f"{counts['error']} error" + ("" if counts["error"] == 1 else "s")
    warnings = f"{counts['warning']} warning" + ("" if counts["warning"] == 1 else "s")
    return f"checked {files} article file{'' if files == 1 else 's'}: {errors}, {warnings}"


def as_dict(d: Diagnostic) -> dict[str, object]:
    return {
        "path": d.path,
        "line": d.line,
        "column": d.column,
        "severity": d.severity.value,
        "code": d.code,
        "message": d.message,
    }


def _json(diagnostics: Sequence[Diagnostic]) -> str:
    report = {"diagnostics": [as_dict(d) for d in diagnostics], "counts": count(diagnostics)}
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(diagnostics: Sequence[Diagnostic], prefix: str) -> str:
    """GitHub Actions workflow commands: one annotation per diagnostic, on its file and line."""
    lines = []
    for d in diagnostics:
        props = f"file={_escape_property(printable(prefix + d.path))},line={d.line},col={d.column},title={_escape_property(d.code)}"
        lines.append(f"::{d.severity.value} {props}::{_escape_data(printable(d.message))}")
    return "".join(line + "\n" for line in lines)


def _sarif(diagnostics: Sequence[Diagnostic], prefix: str) -> str:
    used = sorted({d.code for d in diagnostics})
    rules = [
        {
            "id": code,
            "shortDescription": {"text": RULES[code].summary},
            "defaultConfiguration": {"level": RULES[code].severity.value},
        }
        for code in used
    ]
    results = [
        {
            "ruleId": d.code,
            "ruleIndex": used.index(d.code),
            "level": d.severity.value,
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": quote(prefix + d.path, safe="/"), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": d.line, "startColumn": d.column},
                    }
                }
            ],
        }
        for d in diagnostics
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "pipeline", "version": __version__, "rules": rules}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"
