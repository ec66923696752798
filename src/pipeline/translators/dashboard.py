"""The status report as one self-contained HTML page a translator would rather look at than read."""

from __future__ import annotations

import difflib
import os
import re
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import jinja2

from pipeline.config.site import SiteConfig
from pipeline.report import repository_prefix
from pipeline.translators.status import Report, Row, SectionDiff

_TEMPLATE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
    resources.files("pipeline").joinpath("data/status.html").read_text("utf-8")
)
_WORDS = re.compile(r"(\s+)")
MAX_WORD_DIFF = 2_000  # words on a line past which a changed line is shown whole, not word by word


def render(report: Report, config: SiteConfig, out: Path | None = None, now: datetime | None = None) -> str:
    """The page: coverage per language, then every article's state with the diffs of stale sections.

    Links go to the repository's web pages when site.yaml has `repository`, else to the files, relative to where the
    page is written (`out`, or the site's folder).
    """
    links = _Links(config, out)
    catalogs = {cat.lang: cat for cat in report.catalogs}
    locales = []
    for code, counts in report.locales.items():
        cat = catalogs.get(code)
        done, total = report.up_to_date(code)
        locales.append(
            {
                "code": code,
                "name": config.locales[code].name,
                "dir": config.locales[code].direction,
                "ok": done,
                "total": total,
                "words": report.words[code],
                "counts": counts,
                "catalog": {**cat.as_dict(), "url": links.view(cat.path)} if cat else None,
            }
        )
    rows = [_row(row, config, links, now or datetime.now(UTC)) for row in report.rows]
    states = sorted({row["state"] for row in rows})
    title = config.title.get(config.source_locale, config.base_url)
    return _TEMPLATE.render(site_title=title, locales=locales, rows=rows, states=states)


def _row(row: Row, config: SiteConfig, links: _Links, now: datetime) -> dict[str, Any]:
    state = row.state
    exists = state.state not in ("missing",)
    return {
        "id": state.id,
        "lang": state.lang,
        "dir": config.locales[state.lang].direction,
        "state": state.state,
        "path": state.path,
        "view": links.view(state.path) if exists else "",
        "edit": links.edit(state.path) if exists else "",
        "start": links.new(state.path) if not exists else "",
        "source_url": links.view(state.source_path) if state.source_path else "",
        "title": row.title,
        "source_title": row.source_title,
        "words": state.words,
        "words_left": state.words_left,
        "stale_days": _days(row.stale_since, now),
        "sections": [{"kind": s.kind, "label": s.label, "lines": _lines(s)} for s in row.sections],
    }


def _days(since: str | None, now: datetime) -> int | None:
    """Whole days since `since` (ISO 8601); 0 for a change not committed yet; None when unknown."""
    if since is None:
        return None
    if since == "":
        return 0
    try:
        return max(0, (now - datetime.fromisoformat(since)).days)
    except ValueError:
        return None


def _lines(section: SectionDiff) -> list[dict[str, Any]]:
    """The diff's lines, each with its parts; a removed line and the added line that replaces it marked word by word."""
    lines = section.diff.splitlines()
    shown: list[dict[str, Any]] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _is(line, "-"):
            gone = [line[1:]]
            while index + len(gone) < len(lines) and _is(lines[index + len(gone)], "-"):
                gone.append(lines[index + len(gone)][1:])
            start = index + len(gone)
            came: list[str] = []
            while start + len(came) < len(lines) and _is(lines[start + len(came)], "+"):
                came.append(lines[start + len(came)][1:])
            pairs = min(len(gone), len(came))
            marked = [_marked(old, new) for old, new in zip(gone[:pairs], came[:pairs])]
            shown += [{"cls": "del", "sign": "-", "parts": old} for old, _ in marked]
            shown += [{"cls": "del", "sign": "-", "parts": [(text, "")]} for text in gone[pairs:]]
            shown += [{"cls": "add", "sign": "+", "parts": new} for _, new in marked]
            shown += [{"cls": "add", "sign": "+", "parts": [(text, "")]} for text in came[pairs:]]
            index = start + len(came)
            continue
        cls = "add" if _is(line, "+") else ""
        shown.append({"cls": cls, "sign": line[:1], "parts": [(line[1:], "")]})
        index += 1
    return shown


def _is(line: str, sign: str) -> bool:
    return line.startswith(sign) and not line.startswith(sign * 3)


def _marked(old: str, new: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Two versions of a line as parts, the words that differ marked "del" in the old and "ins" in the new."""
    a, b = _WORDS.split(old), _WORDS.split(new)
    if len(a) > MAX_WORD_DIFF or len(b) > MAX_WORD_DIFF:
        return [(old, "del")], [(new, "ins")]
    left: list[tuple[str, str]] = []
    right: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        same = tag == "equal"
        if i2 > i1:
            left.append(("".join(a[i1:i2]), "" if same else "del"))
        if j2 > j1:
            right.append(("".join(b[j1:j2]), "" if same else "ins"))
    return left, right


class _Links:
    """Where the page's links lead: the repository's web pages, or the files relative to the page."""

    def __init__(self, config: SiteConfig, out: Path | None) -> None:
        self._patterns = config.repository
        self._prefix = repository_prefix(config.root)
        self._root = config.root.resolve()
        self._here = (out.resolve().parent if out is not None else self._root) if not self._patterns else self._root

    def view(self, path: str) -> str:
        return self._url("view", path) or self._relative(path)

    def edit(self, path: str) -> str:
        return self._url("edit", path)

    def new(self, path: str) -> str:
        return self._url("new", path)

    def _url(self, kind: str, path: str) -> str:
        pattern = self._patterns.get(kind)
        if not pattern:
            return ""
        full = PurePosixPath(self._prefix + path)
        values = {"path": quote(str(full)), "dir": quote(str(full.parent)), "name": quote(full.name)}
        return re.sub(r"\{(path|dir|name)\}", lambda m: values[m.group(1)], pattern)

    def _relative(self, path: str) -> str:
        return quote(Path(os.path.relpath(self._root / path, self._here)).as_posix())
