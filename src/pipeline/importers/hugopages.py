"""A Hugo site's content files: each page with its language, translation key, front matter and body; resources; files not read."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import sitepaths
from pipeline.diagnostics import Diagnostic
from pipeline.importers.hugoconfig import HugoConfig, parse_data

MARKDOWN = (".md", ".markdown", ".mdown")
NOT_READ = (".html", ".htm", ".org", ".adoc", ".asciidoc", ".ad", ".rst", ".pandoc", ".pdc", ".mmark")
MAX_BYTES = 1_048_576
_SUFFIX = re.compile(r"^(?P<stem>.+?)\.(?P<lang>[a-z]{2,3}(?:-[a-z0-9]+)?)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Page:
    """One Hugo page in one language, as written."""

    path: str  # relative to the Hugo site, with '/'
    lang: str
    rel: str  # within its language's content, without language suffix or extension ("posts/first", a bundle's folder)
    bundle: bool  # an index.md with its resources beside it
    front: dict[str, Any]
    lines: dict[str, int]  # front-matter key -> file line (where known)
    body: str
    body_line: int

    @property
    def key(self) -> str:
        """What pairs a page with its translations: `translationKey`, else its path within the language's content."""
        value = self.front.get("translationKey") or self.front.get("translationkey")
        return f"key:{value}" if isinstance(value, str | int) and str(value).strip() else f"path:{self.rel}"


@dataclass(frozen=True, slots=True)
class Resource:
    """A file beside the pages (a bundle's image, say): where it is and the URL path Hugo served it at."""

    path: str
    lang: str
    rel: str  # within its language's content


@dataclass(frozen=True, slots=True)
class Content:
    pages: tuple[Page, ...]
    resources: tuple[Resource, ...]
    diagnostics: tuple[Diagnostic, ...]


def read_content(src: Path, config: HugoConfig, languages: tuple[str, ...]) -> Content:
    """Every page and resource of the wanted `languages`, and a diagnostic for each file the import will not read."""
    pages: list[Page] = []
    resources: list[Resource] = []
    problems: list[Diagnostic] = []
    by_dir = {lang.code: lang.content_dir for lang in config.languages if lang.content_dir}
    roots: list[tuple[str, str | None]] = [(folder, code) for code, folder in by_dir.items()]
    if len(by_dir) < len(config.languages):
        roots.append((config.content_dir, None))  # languages told apart by file-name suffixes
    own_dirs = set(by_dir.values())
    codes = {lang.code for lang in config.languages}
    for folder, code in roots:
        base = src / folder
        if not base.resolve().is_relative_to(src.resolve()):
            problems.append(
                Diagnostic.make("import-config", config.files[0], 1, 1, f"contentDir '{folder}' is outside the Hugo site; not read")
            )
            continue
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if any(map(_ignored, path.relative_to(base).parts)):
                continue
            rel_src = path.relative_to(src).as_posix()
            if code is None and any(rel_src == d or rel_src.startswith(d + "/") for d in own_dirs):
                continue
            if path.is_symlink():
                problems.append(Diagnostic.make("import-skipped", rel_src, 1, 1, "a symbolic link; not followed"))
                continue
            if not path.is_file():
                continue
            inner = path.relative_to(base).as_posix()
            lang, stem = _language(inner, code, codes, config.default_language)
            if lang not in languages:
                continue
            suffix = path.suffix.lower()
            if suffix in MARKDOWN:
                if path.stem.split(".")[0] == "_index":
                    problems.append(
                        Diagnostic.make(
                            "import-skipped",
                            rel_src,
                            1,
                            1,
                            "a section's list page (_index); sections are not articles here, so its text is not imported",
                        )
                    )
                    continue
                page, problem = _page(path, rel_src, lang, stem)
                if problem:
                    problems.append(problem)
                if page:
                    pages.append(page)
            elif suffix in NOT_READ:
                problems.append(
                    Diagnostic.make(
                        "import-skipped", rel_src, 1, 1, f"a {suffix} content file; only Markdown is imported, convert it by hand"
                    )
                )
            else:
                resources.append(Resource(rel_src, lang, inner))
    return Content(tuple(pages), tuple(resources), tuple(problems))


def _language(inner: str, code: str | None, codes: set[str], default: str) -> tuple[str, str]:
    """The page's language and its path without language suffix or extension."""
    folder, _, name = inner.rpartition("/")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    lang = code or default
    match = _SUFFIX.match(stem)
    if match and match["lang"].lower() in codes:
        stem, lang = match["stem"], match["lang"].lower()
    return lang, f"{folder}/{stem}" if folder else stem


def _page(path: Path, rel: str, lang: str, stem: str) -> tuple[Page | None, Diagnostic | None]:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None, Diagnostic.make("import-skipped", rel, 1, 1, f"larger than {MAX_BYTES:,} bytes; not imported")
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        return None, Diagnostic.make("import-skipped", rel, 1, 1, f"not UTF-8 (byte offset {exc.start}); save it as UTF-8")
    except OSError as exc:
        return None, Diagnostic.make("import-skipped", rel, 1, 1, f"cannot read it: {exc.strerror}")
    bundle = stem == "index" or stem.endswith("/index")
    page_rel = stem.rsplit("/", 1)[0] if bundle and "/" in stem else stem
    front, lines, body, body_line, problem = split(text, rel)
    if problem:
        return None, problem
    return Page(rel, lang, page_rel, bundle, front, lines, body, body_line), None


def split(text: str, rel: str) -> tuple[dict[str, Any], dict[str, int], str, int, Diagnostic | None]:
    """Front matter (YAML `---`, TOML `+++` or JSON `{`) and body; the body's first line; a problem if the front matter is broken."""
    first = text.split("\n", 1)[0].rstrip()
    if first in ("---", "+++"):
        fence = re.compile(rf"^{re.escape(first)}[ \t]*$", re.MULTILINE)
        start = len(text.split("\n", 1)[0]) + 1
        close = fence.search(text, start)
        if close is None:
            return {}, {}, "", 1, Diagnostic.make("import-frontmatter", rel, 1, 1, f"the front matter opened by {first} is never closed")
        inner = text[start : close.start()]
        end = text.find("\n", close.start())
        body = text[end + 1 :] if end >= 0 else ""
        data, problem = parse_data(inner, ".yaml" if first == "---" else ".toml", rel, 2, "import-frontmatter")
        return data, _key_lines(inner, 2), body, text.count("\n", 0, close.start()) + 2, problem
    if text.startswith("{"):
        try:
            data, end = json.JSONDecoder().raw_decode(text)
        except json.JSONDecodeError as exc:
            return (
                {},
                {},
                "",
                1,
                Diagnostic.make("import-frontmatter", rel, exc.lineno, exc.colno, f"the JSON front matter is not valid: {exc.msg}"),
            )
        if not isinstance(data, dict):
            return {}, {}, "", 1, Diagnostic.make("import-frontmatter", rel, 1, 1, "the JSON front matter is not an object")
        newline = text.find("\n", end)
        body = text[newline + 1 :] if newline >= 0 else ""
        return data, _key_lines(text[:end], 1), body, text.count("\n", 0, end) + 2, None
    return {}, {}, text, 1, None


def _key_lines(text: str, first_line: int) -> dict[str, int]:
    """The line of each top-level key (YAML `key:`, TOML `key =`, JSON `"key":`), for the report."""
    found: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), first_line):
        match = re.match(r'^\s{0,2}"?([A-Za-z_][\w-]*)"?\s*[:=]', line)
        if match and match[1] not in found:
            found[match[1]] = number
    return found


def _ignored(name: str) -> bool:
    """Whether Hugo leaves a file or folder under content/ out of the site (its SourceSpec.IgnoreFile: a name starting with
    `.` or `#`, or ending with `~`), or it is an editor's leftover (sitepaths.leftover): then the import leaves it out too."""
    return name.startswith((".", "#")) or name.endswith("~") or sitepaths.leftover(name)
