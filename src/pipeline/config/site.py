"""site.yaml and the article schema to a typed, immutable SiteConfig, or every problem with its line."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from babel import Locale, UnknownLocaleError

from pipeline import PACKAGE, sitepaths
from pipeline.config.schema import Checker, SchemaFileError, read_schema
from pipeline.config.yamldoc import YamlDoc, load
from pipeline.diagnostics import Diagnostic, Severity
from pipeline.errors import ConfigError, UsageError

SITE_FILE = "site.yaml"
_DATA = PACKAGE / "data"  # read by path: importlib.resources took ~5 ms to import
_SITE_SCHEMA: dict[str, Any] = json.loads((_DATA / "site.schema.json").read_text("utf-8"))
_DEFAULT_ARTICLE_SCHEMA = _DATA / "article.schema.json"


@dataclass(frozen=True, slots=True)
class LocaleConfig:
    """One language of the site and its policies."""

    code: str
    name: str  # in the language itself, for readers
    english_name: str  # for diagnostics
    direction: str  # "ltr" or "rtl", from CLDR
    missing: str  # severity of an untranslated source article: "error", "warning" or "off"
    orphaned: str  # severity of a translation without a source article
    stale: str  # severity of a translation whose source changed since
    unverified: str  # severity of a translation with no recorded source fingerprint
    untranslated: str  # what readers get for an untranslated article: "fallback" or "omit"
    stale_notice: bool  # show a notice on stale translations
    stale_publish: str  # a stale translation is published with its notice ("banner") or kept back ("hold")


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """Everything site.yaml says, checked, with defaults filled in."""

    root: Path
    base_url: str
    source_locale: str
    locales: Mapping[str, LocaleConfig]  # the source locale first
    title: Mapping[str, str]
    article_schema: Mapping[str, Any]
    schema_path: str  # relative to the root, or "(built-in)"
    allow_raw_html: bool
    toc: bool  # markdown.toc: a table of contents on article pages, unless an article's `toc:` says otherwise
    max_file_bytes: int
    per_page: int
    tags: Mapping[str, Mapping[str, str]]  # tag id -> locale -> display name
    targets: Mapping[str, Mapping[str, Any]]  # publish target name -> its options (type, ...)
    max_delete_share: float  # a publish deleting more of the live site needs --yes
    minor_keywords: tuple[str, ...] = ()  # a source commit whose message has one of these leaves translations up to date
    repository: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({})
    )  # "view", "edit", "new" -> a URL pattern with {path} (or {dir}, {name})

    @property
    def translations(self) -> tuple[str, ...]:
        """The locales that translate the source locale."""
        return tuple(code for code in self.locales if code != self.source_locale)


def severity(policy: str) -> Severity | None:
    """A policy value from site.yaml as a severity; None for 'off'."""
    return None if policy == "off" else Severity(policy)


_MAX_SITE_BYTES = 1 << 20  # site.yaml and the article schema: far more than any real one


def load_config(root: Path) -> tuple[SiteConfig, list[Diagnostic]]:
    """Read and check the site at `root`; raise ConfigError with every problem, or return its warnings."""
    try:
        text = sitepaths.read_bytes(root, SITE_FILE, _MAX_SITE_BYTES).decode("utf-8-sig").replace("\r\n", "\n")
    except FileNotFoundError:
        raise UsageError(f"no {SITE_FILE} in {root}: point --root at a site folder") from None
    except (sitepaths.UnsafePath, sitepaths.TooLarge) as exc:
        raise ConfigError(f"{SITE_FILE} is not usable", (Diagnostic.make("path-unsafe", SITE_FILE, 1, 1, str(exc)),)) from None
    except OSError as exc:
        raise UsageError(f"cannot read {SITE_FILE} in {root}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        diag = Diagnostic.make("config-syntax", SITE_FILE, 1, 1, f"{SITE_FILE} is not UTF-8 (byte offset {exc.start})")
        raise ConfigError(f"{SITE_FILE} is not usable", (diag,)) from exc
    doc = load(text)
    errors = [Diagnostic.make("config-syntax", SITE_FILE, p.line, p.column, p.message) for p in doc.problems]
    if doc.data is not None and not errors:
        errors += [Diagnostic.make("config-invalid", SITE_FILE, f.line, f.column, f.message) for f in Checker(_SITE_SCHEMA).check(doc)]
    elif doc.data is None and not errors:
        errors.append(Diagnostic.make("config-invalid", SITE_FILE, 1, 1, f"{SITE_FILE} is empty"))
    if errors:
        raise ConfigError(f"{SITE_FILE} has errors", tuple(errors))
    data: dict[str, Any] = doc.data
    errors += _check_locales(data, doc)
    errors += _check_targets(root, data, doc)
    schema_rel = data.get("schema", "schemas/article.schema.json")
    schema, schema_errors = _article_schema(root, schema_rel, "schema" in data, doc)
    errors += schema_errors
    if errors:
        raise ConfigError(f"{SITE_FILE} has errors", tuple(errors))
    config = _build(root, data, schema, schema_rel if (root / schema_rel).is_file() else "(built-in)")
    return config, _tag_warnings(config, doc)


def _check_locales(data: dict[str, Any], doc: YamlDoc) -> list[Diagnostic]:
    errors = []
    for code in data["locales"]:
        try:
            Locale.parse(code)
        except (UnknownLocaleError, ValueError):
            line, col = doc.where(("locales", code))
            errors.append(Diagnostic.make("config-invalid", SITE_FILE, line, col, f"'{code}' is not a language CLDR knows"))
    if data["source_locale"] not in data["locales"]:
        line, col = doc.where_value(("source_locale",))
        known = ", ".join(data["locales"])
        errors.append(
            Diagnostic.make(
                "config-invalid", SITE_FILE, line, col, f"source_locale '{data['source_locale']}' is not one of the locales ({known})"
            )
        )
    return errors


def _check_targets(root: Path, data: dict[str, Any], doc: YamlDoc) -> list[Diagnostic]:
    """A local target's folder must be inside the site, and not the site itself or its content."""
    errors = []
    site = root.resolve()
    for name, options in data.get("targets", {}).items():
        if options.get("type") != "local" or not isinstance(options.get("path"), str):
            continue
        path = (root / options["path"]).resolve()
        if not path.is_relative_to(site) or path == site or path.is_relative_to(site / "content"):
            line, col = doc.where_value(("targets", name, "path"))
            message = f"target '{name}': path '{options['path']}' must be a folder inside the site (not the site itself or content/)"
            errors.append(Diagnostic.make("config-invalid", SITE_FILE, line, col, message))
    return errors


def _article_schema(root: Path, rel: str, named: bool, doc: YamlDoc) -> tuple[dict[str, Any], list[Diagnostic]]:
    """The site's article schema; the built-in one when the site has none and names none."""
    path = (root / rel).resolve()
    if not path.is_relative_to(root.resolve()):
        line, col = doc.where_value(("schema",))
        return {}, [Diagnostic.make("config-invalid", SITE_FILE, line, col, f"schema '{rel}' is outside the site")]
    try:
        sitepaths.read_bytes(root, rel, _MAX_SITE_BYTES)
    except (sitepaths.UnsafePath, sitepaths.TooLarge) as exc:
        return {}, [Diagnostic.make("path-unsafe", rel, 1, 1, str(exc))]
    except OSError:
        pass  # reported below: missing, or unreadable
    if not path.is_file() and not named:
        return read_schema(_DEFAULT_ARTICLE_SCHEMA, meta_check=False), []  # the tool's own: tests/test_config.py meta-checks it
    try:
        return read_schema(path), []
    except SchemaFileError as exc:
        if not path.is_file():
            line, col = doc.where_value(("schema",))
            return {}, [Diagnostic.make("schema-invalid", SITE_FILE, line, col, f"schema file '{rel}' does not exist")]
        return {}, [Diagnostic.make("schema-invalid", rel, exc.line, exc.column, str(exc))]


def _build(root: Path, data: dict[str, Any], schema: dict[str, Any], schema_rel: str) -> SiteConfig:
    source = data["source_locale"]
    order = [source] + [code for code in data["locales"] if code != source]
    locales = {code: _locale(code, data["locales"][code] or {}) for code in order}
    return SiteConfig(
        root=root,
        base_url=data["base_url"],
        source_locale=source,
        locales=MappingProxyType(locales),
        title=MappingProxyType(dict(data.get("title", {}))),
        article_schema=MappingProxyType(schema),
        schema_path=schema_rel,
        allow_raw_html=bool(data.get("markdown", {}).get("allow_raw_html", False)),
        toc=bool(data.get("markdown", {}).get("toc", False)),
        max_file_bytes=int(data.get("limits", {}).get("max_file_bytes", 1_048_576)),
        per_page=int(data.get("per_page", 10)),
        targets=MappingProxyType({name: MappingProxyType(dict(options)) for name, options in data.get("targets", {}).items()}),
        max_delete_share=float(data.get("publish", {}).get("max_delete_share", 0.5)),
        repository=MappingProxyType(dict(data.get("repository", {}))),
        minor_keywords=tuple(data.get("translation", {}).get("minor_keywords", ())),
        tags=MappingProxyType({tag: MappingProxyType(dict(names)) for tag, names in data.get("tags", {}).items()}),
    )


def _locale(code: str, options: dict[str, Any]) -> LocaleConfig:
    cldr = Locale.parse(code)
    return LocaleConfig(
        code=code,
        name=options.get("name") or cldr.display_name or code,
        english_name=cldr.english_name or code,
        direction="rtl" if cldr.character_order == "right-to-left" else "ltr",
        missing=_policy(options.get("missing", "warning")),
        orphaned=_policy(options.get("orphaned", "error")),
        stale=_policy(options.get("stale", "warning")),
        unverified=_policy(options.get("unverified", "warning")),
        untranslated=options.get("untranslated", "fallback"),
        stale_notice=bool(options.get("stale_notice", True)),
        stale_publish=options.get("stale_publish", "banner"),
    )


def _policy(value: str | bool) -> str:
    """A severity policy; YAML reads a bare `off` as false."""
    return "off" if value is False else str(value)


def _tag_warnings(config: SiteConfig, doc: YamlDoc) -> list[Diagnostic]:
    warnings = []
    for tag, names in config.tags.items():
        for code in config.locales:
            if code not in names:
                line, col = doc.where(("tags", tag))
                warnings.append(
                    Diagnostic.make(
                        "tag-untranslated",
                        SITE_FILE,
                        line,
                        col,
                        f"tag '{tag}' has no display name for '{code}'; add `{code}: ...` under it",
                    )
                )
    return warnings
