"""`pipeline new DIR`: a working bilingual site to start from — config, schema, a translated article, catalogs and CI workflows."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from babel import Locale, UnknownLocaleError

from pipeline import __version__
from pipeline.catalogs import i18n
from pipeline.content.articles import Article, FrontMatterRules
from pipeline.content.fingerprint import Fingerprint
from pipeline.content.perfile import study
from pipeline.content.sources import SourceFile
from pipeline.errors import UsageError
from pipeline.translation import draft

ARTICLE_ID = "welcome"
MODELINE = "# yaml-language-server: $schema=../../schemas/article.schema.json"
GITIGNORE = "/public/\n/published/\n/.pipeline-cache/\n/.venv/\n*.mo\n"

SOURCE = """---
{modeline}
title: Welcome
date: {date}
summary: What this site is, and how to write and translate its articles.
tags: [news]
---
This site is written in two languages. Every article lives in `content/{source}/`, and its
translation has the same file name under the other language's folder.

## Writing an article

Copy this file, change its front matter and text, and run `pipeline validate`. When it passes,
`pipeline build` makes the site in `public/`, and `pipeline serve` shows it as you edit.

## Translating it

Run `pipeline translate {other} <id>` to start a translation, then `pipeline status` to see what
is left to translate.
"""

HEBREW = """---
{modeline}
title: ברוכים הבאים
date: {date}
summary: מה האתר הזה, ואיך כותבים בו מאמרים ומתרגמים אותם.
tags: [news]
{record}
---
האתר הזה נכתב בשתי שפות. כל מאמר נמצא בתיקייה `content/{source}/`, והתרגום שלו נושא אותו שם
קובץ בתיקייה של השפה האחרת.

## כתיבת מאמר

העתיקו את הקובץ הזה, שנו את החלק הקדמי (front matter) ואת הטקסט, והריצו `pipeline validate`.
כשהבדיקה עוברת, `pipeline build` בונה את האתר בתיקייה `public/`, ו־`pipeline serve` מציג אותו
תוך כדי עריכה.

## תרגום

הריצו `pipeline translate {other} <id>` כדי להתחיל תרגום, ואחר כך `pipeline status` כדי לראות
מה עוד נשאר לתרגם.
"""

SITE_YAML = """# Every key is documented in the pipeline's README ("site.yaml").
title:
{titles}
base_url: https://example.org/     # where readers will find the site: absolute, ending in /
source_locale: {source}
locales:
{locales}
schema: schemas/article.schema.json
tags:
  news:
{tag_names}
targets:
  default:
    type: local
    path: published                  # `pipeline publish` puts deploys here; `pipeline serve --live` shows the live one
"""

NAMES = {"en": ("My site", "News"), "he": ("האתר שלי", "חדשות")}


def create(folder: Path, languages: tuple[str, ...]) -> list[str]:
    """Write a new site into `folder` (which must not exist, or be empty), whole or not at all; returns the files written."""
    codes = _checked(languages)
    if folder.is_symlink() or (folder.exists() and (not folder.is_dir() or any(folder.iterdir()))):
        raise UsageError(f"{folder} already exists and is not an empty folder; choose a new one")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.new-", dir=folder.parent))
    try:
        _write(staging, codes)
        written = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
        if folder.exists():
            folder.rmdir()
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written


def _checked(languages: tuple[str, ...]) -> tuple[str, ...]:
    codes = tuple(dict.fromkeys(code.strip() for code in languages if code.strip()))
    if len(codes) < 2:
        raise UsageError("a site has at least two languages, the source first: --languages en,he")
    for code in codes:
        try:
            Locale.parse(code)
        except (ValueError, UnknownLocaleError):
            raise UsageError(f"'{code}' is not a language CLDR knows; use codes such as en, he, ar, fr") from None
    return codes


def _write(root: Path, codes: tuple[str, ...]) -> None:
    source, translations = codes[0], codes[1:]
    (root / "site.yaml").write_text(_site_yaml(codes), encoding="utf-8")
    schema = resources.files("pipeline").joinpath("data/article.schema.json").read_text("utf-8")
    _text(root / "schemas/article.schema.json", schema)
    _text(root / ".gitignore", GITIGNORE)
    for name in ("validate-content.yml", "publish-content.yml"):
        workflow = resources.files("pipeline").joinpath(f"data/workflows/{name}").read_text("utf-8")
        _text(root / ".github/workflows" / name, workflow.replace("{version}", __version__))
    date = datetime.now(UTC).date().isoformat()
    other = translations[0]
    source_text = SOURCE.format(modeline=MODELINE, date=date, source=source, other=other)
    _text(root / f"content/{source}/{ARTICLE_ID}.md", source_text)
    welcome = _studied(root, source, source_text)
    for lang in translations:
        _text(root / f"content/{lang}/{ARTICLE_ID}.md", _translation(welcome, lang, source, source_text, date, other))
    i18n.write_template(root)
    for lang in translations:
        i18n.init(root, lang, seed=True)


Welcome = tuple[Article, Fingerprint, FrontMatterRules]  # the welcome article as validation reads it, and the site's rules


def _studied(root: Path, source: str, source_text: str) -> Welcome:
    """The welcome article read with the new site's rules (its fingerprint seeds the translations)."""
    from pipeline.config.site import load_config

    config, _ = load_config(root)
    rules = FrontMatterRules(config)
    studied = study(SourceFile(f"content/{source}/{ARTICLE_ID}.md", source, ARTICLE_ID, source_text), rules)
    if studied.parsed.article is None or studied.fingerprint is None:  # the tool's own welcome article: a bug, not the user's
        raise RuntimeError(f"the welcome article does not validate: {studied.diagnostics}")
    return studied.parsed.article, studied.fingerprint, rules


def _translation(welcome: Welcome, lang: str, source: str, source_text: str, date: str, other: str) -> str:
    """The welcome article in `lang`: written out in Hebrew, a draft to translate in any other language."""
    article, prints, rules = welcome
    if lang == "he":
        record = "\n".join(draft.record_lines(prints))
        return HEBREW.format(modeline=MODELINE, date=date, source=source, other=other, record=record)
    return draft.draft(article, source_text, prints, rules.shared)


def _site_yaml(codes: tuple[str, ...]) -> str:
    def name(code: str, index: int) -> str:
        return NAMES.get(code, ("My site", "News"))[index]

    locales = []
    for code in codes:
        own = Locale.parse(code).get_display_name(code) or code
        locales.append(f"  {code}:\n    name: {own}")
    return SITE_YAML.format(
        titles="\n".join(f"  {code}: {name(code, 0)}" for code in codes),
        source=codes[0],
        locales="\n".join(locales),
        tag_names="\n".join(f"    {code}: {name(code, 1)}" for code in codes),
    )


def _text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
