"""A Hugo site planned as a pipeline site: pages grouped into translation sets, ids, tags, aliases, bodies converted; nothing written."""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from pipeline import sitepaths
from pipeline.diagnostics import Diagnostic
from pipeline.importers import frontmatter, shortcodes, urls
from pipeline.importers.hugoconfig import HugoConfig
from pipeline.importers.hugopages import Content, Page, Resource, split
from pipeline.importers.urls import Index, normalize, permalink, slugify

RESERVED = {"tags", "page", "feed", "index", "api", "404", "sitemap", "static", "search", "assets"}


@dataclass(frozen=True, slots=True)
class Article:
    """One file to write: content/<lang>/<dirs>/<id>.md with its front matter and body."""

    path: str
    lang: str
    id: str
    fields: dict[str, Any]
    body: str
    source: str  # the Hugo file it came from


@dataclass(frozen=True, slots=True)
class Plan:
    articles: tuple[Article, ...]
    static: tuple[tuple[str, str], ...]  # (Hugo path, path under the new site)
    tags: dict[str, dict[str, str]]  # tag id -> name per language
    converted: dict[str, int]  # what was converted, by kind
    kept: dict[str, int]  # front-matter keys kept under `hugo`, by key
    diagnostics: tuple[Diagnostic, ...]
    baselines: dict[str, str]  # a translation's path -> its source's text when the translation was last committed


def plan_site(src: Path, config: HugoConfig, content: Content, languages: tuple[str, ...]) -> Plan:
    """Everything the import will write, and every diagnostic about what it could not convert."""
    source = languages[0]
    problems = list(content.diagnostics)
    groups = _groups(content.pages, source, problems)
    index = Index(config.base_url, source)
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for key, members in groups.items():
        ids[key] = _id(members[source], taken)
        taken.add(ids[key])
    for key, members in groups.items():
        folder = posixpath.dirname(members[source].rel)
        folder = "/".join(slugify(part) or "section" for part in folder.split("/")) if folder else ""
        for lang, page in members.items():
            new = f"content/{lang}/{folder + '/' if folder else ''}{ids[key]}.md"
            prefixed = lang != config.default_language or config.default_in_subdir
            index.add_page(key, page, new, permalink(page, config), config.default_language, prefixed)
    placed = {rel: rel for rel in _static_files(src)}  # the new site's path -> the Hugo site's
    resources = _resources(content.resources, groups, config, src, source)
    for resource, new in resources.items():
        placed.setdefault(new, resource.path)
    tag_names, tag_ids = _tags(groups, source)
    context = _Context(src, config, index, resources, tag_ids, ids, source)
    articles: list[Article] = []
    baselines: dict[str, str] = {}
    converted: dict[str, int] = {}
    kept: dict[str, int] = {}
    for key, members in groups.items():
        own_date = frontmatter.page_date(members[source])
        source_date = (own_date, "the date of its source page") if own_date else _git_date(src, members[source].path)
        for page in members.values():
            article, found, done = _convert(context, key, members, page, source_date)
            problems += found
            for name, number in done.items():
                converted[name] = converted.get(name, 0) + number
            for name in article.fields.get(frontmatter.NAMESPACE, {}):
                kept[name] = kept.get(name, 0) + 1
            articles.append(article)
            if page.lang != source:
                old = _baseline(context, key, members, page, source_date)
                if old is not None:
                    baselines[article.path] = old
    placed_files = tuple((origin, new) for new, origin in sorted(placed.items()))
    return Plan(tuple(articles), placed_files, tag_names, converted, kept, tuple(problems), baselines)


@dataclass(frozen=True, slots=True)
class _Context:
    """What converting one page needs to know about the whole site."""

    src: Path
    config: HugoConfig
    index: Index
    resources: dict[Resource, str]
    tag_ids: dict[tuple[str, str], tuple[str, ...]]
    ids: dict[str, str]
    source: str


def _convert(
    context: _Context, key: str, members: dict[str, Page], page: Page, source_date: tuple[str, str]
) -> tuple[Article, list[Diagnostic], dict[str, int]]:
    """One page as the new site's article, what could not be converted, and what was (by kind)."""
    lang = page.lang
    path = context.index.files[(key, lang)]
    aliases = _aliases(page, permalink(page, context.config), f"/{lang}/{context.ids[key]}/", lang, context.config)
    mapped = frontmatter.map_front(page, context.tag_ids.get((key, lang), ()), aliases, source_date)
    own = _bundle_files(context.resources, members, lang, context.source) if page.bundle else {}
    done = shortcodes.convert(page.body, page.path, page.body_line, partial(context.index.ref, path, lang), partial(_lookup, own))
    body, rewritten = urls.rewrite_links(done.body, path, lang, context.index, own)
    article = Article(path, lang, context.ids[key], mapped.fields, body, page.path)
    return article, [*mapped.diagnostics, *done.diagnostics], {**done.converted, "site link": rewritten}


def _baseline(context: _Context, key: str, members: dict[str, Page], page: Page, source_date: tuple[str, str]) -> str | None:
    """The source article as it was when the translation `page` was last committed (converted as today's), or None outside git."""
    from pipeline.content import history

    source = members[context.source]
    commit = history.last_commit(context.src, page.path)
    text = history.version_at(context.src, source.path, commit) if commit else None
    if text is None:
        return None
    front, lines, body, body_line, problem = split(text.replace("\r\n", "\n"), source.path)
    if problem:
        return None
    old = Page(source.path, source.lang, source.rel, source.bundle, front, lines, body, body_line)
    article = _convert(context, key, {**members, context.source: old}, old, source_date)[0]
    return frontmatter.article_text(article.fields, article.body)


def _lookup(table: dict[str, str], name: str) -> str:
    return table.get(name, name)


def _static_files(src: Path) -> list[str]:
    """The Hugo site's static/ files (served as they are, as they will be here), but editors' leftovers (sitepaths.leftover)."""
    folder = src / "static"
    if not folder.is_dir():
        return []
    return [
        p.relative_to(src).as_posix()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink() and not any(map(sitepaths.leftover, p.relative_to(folder).parts))
    ]


def _bundle_files(resources: dict[Resource, str], members: dict[str, Page], lang: str, source: str) -> dict[str, str]:
    """A bundle page's resources by the name its body uses -> their URL now; the source bundle's where the translation has none."""
    found: dict[str, str] = {}
    for code in (lang, source):
        page = members.get(code)
        for resource, new in resources.items():
            if page is not None and page.bundle and resource.lang == code and posixpath.dirname(resource.rel) == page.rel:
                found.setdefault(resource.rel.rsplit("/", 1)[-1], new.removeprefix("static"))
    return found


def _groups(pages: tuple[Page, ...], source: str, problems: list[Diagnostic]) -> dict[str, dict[str, Page]]:
    """Pages by translation key; a translation with no source page is reported and left out."""
    groups: dict[str, dict[str, Page]] = {}
    for page in pages:
        members = groups.setdefault(page.key, {})
        if page.lang in members:
            problems.append(
                Diagnostic.make(
                    "import-unpaired",
                    page.path,
                    1,
                    1,
                    f"a second {page.lang} page for one translation key (the first is {members[page.lang].path}); left out",
                )
            )
            continue
        members[page.lang] = page
    for key, members in list(groups.items()):
        if source not in members:
            for page in members.values():
                problems.append(
                    Diagnostic.make(
                        "import-unpaired",
                        page.path,
                        1,
                        1,
                        f"no {source} page has this page's path or translationKey, so it translates nothing here; left out (add the {source} page or a translationKey)",
                    )
                )
            del groups[key]
    return groups


def _id(page: Page, taken: set[str]) -> str:
    slug = frontmatter.get(page.front, "slug")
    name = page.rel.rsplit("/", 1)[-1]
    for candidate in (slugify(str(slug)) if isinstance(slug, str | int) else "", slugify(name), slugify(page.rel.replace("/", "-"))):
        if candidate and candidate not in RESERVED and candidate not in taken:
            return candidate
    base = slugify(page.rel.replace("/", "-")) or "page"
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _resources(
    resources: tuple[Resource, ...], groups: dict[str, dict[str, Page]], config: HugoConfig, src: Path, source: str
) -> dict[Resource, str]:
    """Each resource's place under the new site's static/: where Hugo served it, so its old URL still answers.

    A translation's bundle file with the same name and bytes as its source bundle's is the source's (as Hugo shares them).
    """
    bundles = {(page.lang, page.rel): (key, page) for key, members in groups.items() for page in members.values() if page.bundle}
    placed: dict[Resource, str] = {}
    by_name: dict[tuple[str, str], Resource] = {}
    for resource in sorted(resources, key=lambda r: r.lang != source):
        folder, _, name = resource.rel.rpartition("/")
        found = bundles.get((resource.lang, folder))
        if found is not None:
            key, page = found
            twin = by_name.get((key, name))
            if twin is not None and (src / twin.path).read_bytes() == (src / resource.path).read_bytes():
                placed[resource] = placed[twin]
                continue
            by_name.setdefault((key, name), resource)
            placed[resource] = "static" + permalink(page, config) + name
        else:
            prefix = "" if resource.lang == config.default_language and not config.default_in_subdir else f"{resource.lang}/"
            placed[resource] = f"static/{prefix}{resource.rel}"
    return placed


def _tags(groups: dict[str, dict[str, Page]], source: str) -> tuple[dict[str, dict[str, str]], dict[tuple[str, str], tuple[str, ...]]]:
    """Tag ids from the source pages' tags; a translation's tags, position by position, name them in its language."""
    names: dict[str, dict[str, str]] = {}
    ids: dict[tuple[str, str], tuple[str, ...]] = {}
    for key, members in groups.items():
        own = _tag_list(members[source])
        chosen = tuple(dict.fromkeys(slugify(t) or "tag-" + hashlib.blake2b(t.encode(), digest_size=3).hexdigest() for t in own))
        for tag, text in zip(chosen, own):
            names.setdefault(tag, {}).setdefault(source, text)
        for lang, page in members.items():
            ids[(key, lang)] = chosen
            theirs = _tag_list(page)
            if lang != source and len(theirs) == len(chosen):
                for tag, text in zip(chosen, theirs):
                    names[tag].setdefault(lang, text)
    return names, ids


def _tag_list(page: Page) -> list[str]:
    value = frontmatter.get(page.front, "tags")
    return [str(v).strip() for v in value if str(v).strip()] if isinstance(value, list) else []


def _aliases(page: Page, old: str, new: str, lang: str, config: HugoConfig) -> tuple[str, ...]:
    found = [old]
    own = frontmatter.get(page.front, "aliases")
    prefix = "" if lang == config.default_language and not config.default_in_subdir else f"/{lang}"
    for alias in own if isinstance(own, list) else []:
        text = str(alias).strip()
        if text and "://" not in text and ".." not in text.split("/"):
            found.append(normalize(text if text.startswith("/") else f"{prefix}/{posixpath.dirname(page.rel)}/{text}"))
    return tuple(dict.fromkeys(a for a in found if a != new))


def _git_date(src: Path, rel: str) -> tuple[str, str]:
    from pipeline.content import history

    made = history.commits(src, rel)
    day = history.commit_date(src, made[-1][0]) if made else None
    if day:
        return day[:10], "the date of its first commit"
    return datetime.now(UTC).date().isoformat(), "the day of the import"
