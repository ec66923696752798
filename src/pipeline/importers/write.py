"""The planned site written beside DEST (site.yaml, schema, articles, static files), checked by `validate`, and moved in whole."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError

from pipeline.diagnostics import Diagnostic
from pipeline.errors import UsageError
from pipeline.importers.frontmatter import NAMESPACE, article_text
from pipeline.importers.hugoconfig import HugoConfig
from pipeline.importers.hugoi18n import theme_translations
from pipeline.importers.plan import Plan

GITIGNORE = "/public/\n/published/\n/.pipeline-cache/\n"


def write_site(
    src: Path, dest: Path, config: HugoConfig, plan: Plan, languages: tuple[str, ...]
) -> tuple[tuple[Diagnostic, ...], dict[str, int]]:
    """Write the site into `dest` (new or empty), whole or not at all; the diagnostics `validate` gives on it, and the
    interface strings taken from Hugo's i18n/ per language."""
    from pipeline.validate import validate

    if dest.is_symlink() or (dest.exists() and (not dest.is_dir() or any(dest.iterdir()))):
        raise UsageError(f"{dest} already exists and is not an empty folder; choose a new one")
    if dest.resolve().is_relative_to(src.resolve()):
        raise UsageError(f"{dest} is inside the Hugo site; write the new site elsewhere")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.import-", dir=dest.parent))
    try:
        _text(staging / "site.yaml", site_yaml(config, plan, languages))
        _text(staging / "schemas/article.schema.json", json.dumps(schema(), ensure_ascii=False, indent=2) + "\n")
        _text(staging / ".gitignore", GITIGNORE)
        for article in plan.articles:
            _text(staging / article.path, article_text(article.fields, article.body))
        for origin, target in plan.static:
            path = staging / target
            if not path.resolve().is_relative_to(staging.resolve()) or (src / origin).is_symlink():
                continue  # never written outside the new site (static paths are built from normalized URLs)
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / origin, path)
        _record_baselines(staging, plan)
        interface = _catalogs(src, staging, languages)
        diagnostics = validate(staging, None, 1).diagnostics
        if dest.exists():
            dest.rmdir()
        os.replace(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return diagnostics, interface


def schema() -> dict[str, Any]:
    """The built-in schema, with what an import keeps: `hugo` for unmapped keys; dates, tags and drafts each translation's own."""
    data: dict[str, Any] = json.loads(resources.files("pipeline").joinpath("data/article.schema.json").read_text("utf-8"))
    data["x-shared"] = ["/tags", "/image/src"]  # a Hugo translation has its own date, draft and publishDate
    data["$defs"]["locales"] = {}  # Hugo pages need no description
    data["properties"][NAMESPACE] = {
        "description": "Front matter kept from the Hugo site that the pipeline does not use (menus, weights, theme params).",
        "type": "object",
    }
    return data


def site_yaml(config: HugoConfig, plan: Plan, languages: tuple[str, ...]) -> str:
    by_code = {lang.code: lang for lang in config.languages}
    titles = {code: title for code in languages if (title := (by_code[code].title if code in by_code else None) or config.title)}
    locales: dict[str, Any] = {}
    for code in languages:
        name = by_code[code].name if code in by_code and by_code[code].name else _own_name(code)
        locales[code] = {"name": name} if code == languages[0] else {"name": name, "unverified": "warning", "missing": "warning"}
    base = config.base_url if config.base_url.endswith("/") else config.base_url + "/"
    data: dict[str, Any] = {"title": titles} if titles else {}  # without one, pages show the base URL, as Hugo shows none
    data |= {"base_url": base, "source_locale": languages[0], "locales": locales}
    data["schema"] = "schemas/article.schema.json"
    if config.raw_html:
        data["markdown"] = {"allow_raw_html": True}  # Hugo rendered it (goldmark unsafe); it is sanitized here, and scripts refused
    if plan.tags:
        data["tags"] = {
            tag: {code: names.get(code) or names.get(languages[0], tag) for code in languages} for tag, names in sorted(plan.tags.items())
        }
    header = "# Imported from a Hugo site by `pipeline import hugo`; every key is documented in the pipeline's README.\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False)


def _record_baselines(root: Path, plan: Plan) -> None:
    """Each translation records the source as it was when the translation was last committed, so later source changes show as stale."""
    from pipeline.config.site import load_config
    from pipeline.content.articles import FrontMatterRules
    from pipeline.content.perfile import study
    from pipeline.content.sources import SourceFile
    from pipeline.translation import draft

    if not plan.baselines:
        return
    config, _ = load_config(root)
    rules = FrontMatterRules(config)
    sources = {a.id: a for a in plan.articles if a.lang == config.source_locale}
    for article in plan.articles:
        old = plan.baselines.get(article.path)
        if old is None or article.id not in sources:
            continue
        studied = study(SourceFile(sources[article.id].path, config.source_locale, article.id, old), rules)
        if studied.fingerprint is None:
            continue
        path = root / article.path
        path.write_text(draft.accept(path.read_text("utf-8"), studied.fingerprint), encoding="utf-8")


def _catalogs(src: Path, root: Path, languages: tuple[str, ...]) -> dict[str, int]:
    """The site's catalogs, when Hugo's i18n/ translates theme strings: the theme's Hebrew seeded, Hugo's words over it."""
    from pipeline.catalogs import i18n

    ids = {m.id for m in i18n.extract_messages(root) if isinstance(m.id, str) and m.id}
    found = {lang: theme_translations(src, languages[0], lang, ids) for lang in languages[1:]}
    if not any(found.values()):
        return {}
    i18n.write_template(root)
    for lang in languages[1:]:
        i18n.init(root, lang, seed=True, strings=found[lang])
    return {lang: len(strings) for lang, strings in found.items() if strings}


def _own_name(code: str) -> str:
    try:
        return Locale.parse(code).get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code


def _text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
