"""Hugo's configuration (hugo.toml|yaml|json, config.*, config/_default/) to the languages, titles and URLs an import needs."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import yamldoc
from pipeline.diagnostics import Diagnostic

NAMES = ("hugo", "config")
SUFFIXES = (".toml", ".yaml", ".yml", ".json")
MAX_BYTES = 1_048_576


@dataclass(frozen=True, slots=True)
class Language:
    """One of the Hugo site's languages: its code, content folder (None: file-name suffixes), title and name."""

    code: str
    content_dir: str | None
    title: str | None
    name: str | None
    weight: int


@dataclass(frozen=True, slots=True)
class HugoConfig:
    """What the import needs from Hugo's settings."""

    base_url: str
    title: str | None
    default_language: str
    default_in_subdir: bool
    content_dir: str
    languages: tuple[Language, ...]
    permalinks: dict[str, str]  # section -> pattern (":year/:slug/")
    taxonomies: dict[str, str]  # singular -> plural (tag -> tags)
    files: tuple[str, ...]  # the configuration files read, relative to the source
    notes: tuple[Diagnostic, ...] = ()  # settings that could not be used as they are
    raw_html: bool = False  # markup.goldmark.renderer.unsafe: the site's Markdown may hold HTML


def read_config(src: Path) -> tuple[HugoConfig | None, list[Diagnostic]]:
    """Hugo's settings at `src`, merged as Hugo merges them (the root file, then config/_default/), or what is wrong."""
    data: dict[str, Any] = {}
    files: list[str] = []
    problems: list[Diagnostic] = []
    for path in _config_files(src):
        rel = path.relative_to(src).as_posix()
        loaded, problem = _load(path, rel)
        if problem:
            problems.append(problem)
            continue
        files.append(rel)
        stem = path.stem
        if path.parent.name == "_default" and stem not in NAMES:
            loaded = {stem: loaded}  # config/_default/languages.toml is the `languages` key
        _merge(data, loaded)
    if problems:
        return None, problems
    if not files:
        return None, [
            Diagnostic.make(
                "import-config", ".", 1, 1, "no Hugo configuration here (hugo.toml, hugo.yaml, hugo.json, config.toml or config/_default/)"
            )
        ]
    return _config(data, tuple(files)), []


def _config_files(src: Path) -> list[Path]:
    found = []
    for name in NAMES:
        found += [src / f"{name}{suffix}" for suffix in SUFFIXES if (src / f"{name}{suffix}").is_file()]
    folder = src / "config" / "_default"
    if folder.is_dir():
        own = [p for p in sorted(folder.iterdir()) if p.suffix in SUFFIXES and p.is_file() and p.stem in NAMES]
        others = [p for p in sorted(folder.iterdir()) if p.suffix in SUFFIXES and p.is_file() and p.stem not in NAMES]
        found += own + others
    return [p for p in found if not p.is_symlink()]


def _load(path: Path, rel: str) -> tuple[dict[str, Any], Diagnostic | None]:
    try:
        if path.stat().st_size > MAX_BYTES:
            return {}, Diagnostic.make("import-config", rel, 1, 1, f"larger than {MAX_BYTES:,} bytes; not read")
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, Diagnostic.make("import-config", rel, 1, 1, f"cannot read it as UTF-8 text: {exc}")
    return parse_data(text, path.suffix, rel, 1)


def parse_data(text: str, suffix: str, rel: str, first_line: int, code: str = "import-config") -> tuple[dict[str, Any], Diagnostic | None]:
    """TOML, YAML or JSON text (by `suffix`) to a mapping, or a diagnostic with `code` at its line."""
    try:
        if suffix == ".toml":
            value: Any = tomllib.loads(text)
        elif suffix == ".json":
            value = json.loads(text) if text.strip() else {}
        else:
            doc = yamldoc.load_foreign(text, first_line=first_line)  # safely, bounded, no aliases, dates as text
            if doc.problems:
                problem = doc.problems[0]
                return {}, Diagnostic.make(code, rel, problem.line, problem.column, f"not valid YAML: {problem.message}")
            value = doc.data if doc.data is not None else {}
    except tomllib.TOMLDecodeError as exc:
        return {}, Diagnostic.make(code, rel, first_line - 1 + _toml_line(str(exc)), 1, f"not valid TOML: {exc}")
    except json.JSONDecodeError as exc:
        return {}, Diagnostic.make(code, rel, first_line - 1 + exc.lineno, exc.colno, f"not valid JSON: {exc.msg}")
    if not isinstance(value, dict):
        return {}, Diagnostic.make(code, rel, first_line, 1, "expected a mapping of keys to values")
    return value, None


def _toml_line(message: str) -> int:
    marker = "(at line "
    if marker in message:
        digits = message.split(marker, 1)[1].split(",", 1)[0]
        if digits.isdigit():
            return int(digits)
    return 1


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _lower(data: dict[str, Any]) -> dict[str, Any]:
    """Hugo's keys are case-insensitive."""
    return {str(key).lower(): value for key, value in data.items()}


def _config(raw: dict[str, Any], files: tuple[str, ...]) -> HugoConfig:
    data = _lower(raw)
    default = str(data.get("defaultcontentlanguage") or "en").lower()
    content_dir = str(data.get("contentdir") or "content").strip("/")
    languages = []
    for code, settings in (data.get("languages") or {}).items():
        own = _lower(settings) if isinstance(settings, dict) else {}
        params = _lower(own.get("params") or {}) if isinstance(own.get("params"), dict) else {}
        directory = own.get("contentdir")
        languages.append(
            Language(
                code=str(code).lower(),
                content_dir=str(directory).strip("/") if directory else None,
                title=_text(own.get("title") or params.get("title")),
                name=_text(own.get("languagename") or own.get("label")),
                weight=int(own.get("weight") or 0) if str(own.get("weight") or 0).lstrip("-").isdigit() else 0,
            )
        )
    if not languages:
        languages.append(Language(default, None, _text(data.get("title")), None, 0))
    languages.sort(key=lambda lang: (lang.code != default, lang.weight, lang.code))
    permalinks = data.get("permalinks") or {}
    if isinstance(permalinks.get("page"), dict):
        permalinks = permalinks["page"]
    taxonomies = data.get("taxonomies")
    base_url, notes = _base_url(data.get("baseurl"), files)
    return HugoConfig(
        base_url=base_url,
        title=_text(data.get("title")),
        default_language=default,
        default_in_subdir=bool(data.get("defaultcontentlanguageinsubdir", False)),
        content_dir=content_dir,
        languages=tuple(languages),
        permalinks={str(k).strip("/"): str(v) for k, v in permalinks.items() if isinstance(v, str)},
        taxonomies={str(k): str(v) for k, v in taxonomies.items()}
        if isinstance(taxonomies, dict)
        else {"tag": "tags", "category": "categories"},
        files=files,
        notes=notes,
        raw_html=_dig(data, "markup", "goldmark", "renderer", "unsafe") is True,
    )


def _dig(data: Any, *keys: str) -> Any:
    """A nested setting, its keys read case-insensitively, or None."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = _lower(data).get(key)
    return data


def _base_url(value: Any, files: tuple[str, ...]) -> tuple[str, tuple[Diagnostic, ...]]:
    """An absolute http(s) URL ending in /, as site.yaml needs; a placeholder (reported) for a relative or missing baseURL."""
    text = str(value or "").strip()
    if re.match(r"^https?://[^\s/]+(/\S*)?$", text):
        return (text if text.endswith("/") else text + "/"), ()
    placeholder = "https://example.org/"
    why = f"baseURL '{text}' is not an absolute http(s) URL" if text else "no baseURL"
    note = Diagnostic.make(
        "import-field", files[0], 1, 1, f"{why}; site.yaml has {placeholder}: set base_url to where readers find the site"
    )
    return placeholder, (note,)


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int | float) and str(value).strip() else None
