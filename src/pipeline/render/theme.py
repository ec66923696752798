"""Pages to HTML through the Jinja2 theme: the package's default, overridden by the site's templates/."""

from __future__ import annotations

import functools
import gettext
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from pipeline import sitepaths
from pipeline.catalogs import runtime
from pipeline.config.site import SiteConfig
from pipeline.diagnostics import Diagnostic
from pipeline.errors import ContentError
from pipeline.render import gettextfold
from pipeline.render.bidi import isolate_plain, isolate_text, other_lang
from pipeline.render.l10n import long_date, og_locale
from pipeline.render.pagebody import contents, decorate
from pipeline.render.siteplan import Entry, SitePlan

TEMPLATES_DIR = "templates"


class Theme:
    """One Jinja2 environment per locale, with that locale's gettext catalog installed.

    The environments (and the templates they have compiled) are kept for the process's next Theme of the same site
    while its templates and catalogs are the same (`serve` rebuilds, a `validate` then a build): keyed by their text."""

    def __init__(self, plan: SitePlan, compiled: tuple[Path, str] | None = None) -> None:
        """`compiled`: a folder outside the site (under ~/.cache/pipeline) keeping compiled templates between processes, and a
        digest of everything compiling them may depend on besides a template's own text (the tool, the site's templates,
        catalogs and site.yaml)."""
        root = plan.config.root
        site_loader = SiteLoader(root, snapshot=True)
        key = _environments_key(root, tuple(plan.config.locales), site_loader, compiled)
        made = _MADE.get(key)
        if made is None:
            made = _environments(root, tuple(plan.config.locales), site_loader, compiled, key)
            _MADE.clear()  # one site's at a time: a changed template or catalog makes the old ones garbage
            _MADE[key] = made
        self._envs, self._translations = made

    def gettext(self, lang: str, message: str, **values: object) -> str:
        """An interface string for Python-built text (page titles), formatted like newstyle gettext."""
        translated: str = self._translations[lang].gettext(message)
        return translated % values if values else translated

    def render(self, lang: str, template: str, context: dict[str, Any]) -> str:
        """Render `template` for `lang`; a broken template override is a located error, not a traceback."""
        try:
            return self._envs[lang].get_template(template).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise ContentError(
                f"template {exc.name or template} is broken", (_diag(exc.filename or template, exc.lineno, exc.message or ""),)
            ) from exc
        except SecurityError as exc:
            where, line = _failed_at(exc, template)
            raise ContentError(f"template {where} was refused", (_diag(where, line, f"not allowed in a template: {exc}"),)) from exc
        except jinja2.TemplateError as exc:
            where, line = _failed_at(exc, template)
            raise ContentError(f"template {where} failed", (_diag(where, line, f"{type(exc).__name__}: {exc}"),)) from exc


Environments = tuple[dict[str, jinja2.Environment], dict[str, gettext.NullTranslations]]
_MADE: dict[str, Environments] = {}


def _environments(
    root: Path, locales: tuple[str, ...], site_loader: SiteLoader, compiled: tuple[Path, str] | None, key: str
) -> Environments:
    """The environments, `key` being what they are made from (_environments_key)."""
    loader = jinja2.ChoiceLoader([site_loader, _THEME_LOADER])
    envs: dict[str, jinja2.Environment] = {}
    translations: dict[str, gettext.NullTranslations] = {}
    fold = None
    for lang in locales:
        env = _Environment(
            loader=loader,
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            keep_trailing_newline=True,
            auto_reload=False,  # the loader serves the templates as they were read when the theme was made
            bytecode_cache=_bytecode(compiled, lang),
        )
        if fold is None:  # the same templates for every locale
            fold = _foldable(env, [*site_loader.sources(), *_theme_sources()], compiled[0] if compiled is not None else None, key)
        translations[lang] = runtime.translations(root, lang, compiled[0] if compiled is not None else None)
        runtime.install(env, translations[lang])
        if fold:
            env.folding = runtime.AsData(translations[lang])
        env.filters["page_body"] = _page_body
        env.filters["toc"] = _toc
        envs[lang] = env
    return envs, translations


def _foldable(env: jinja2.Environment, sources: list[tuple[str, str]], folder: Path | None, key: str) -> bool:
    """gettextfold.foldable of the templates, as found before when `folder` (this user's, outside the site) kept it for
    the environments made from `key` (a digest of every template's text, _environments_key) by this Jinja."""
    if folder is None:
        return gettextfold.foldable(env, sources)
    kept = folder / f"foldable-{jinja2.__version__}-{key}"
    try:
        answer = kept.read_bytes()
        if answer in (b"yes", b"no"):
            return answer == b"yes"
    except OSError:
        pass
    fold = gettextfold.foldable(env, sources)
    runtime.keep_compiled(kept, b"yes" if fold else b"no")
    return fold


def _environments_key(root: Path, locales: tuple[str, ...], site_loader: SiteLoader, compiled: tuple[Path, str] | None) -> str:
    """A digest of what the environments are made from: the site, its locales, every template and every catalog."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{root.resolve()}\0{locales}\0{compiled}\0".encode())
    for name, text in [*site_loader.sources(), ("\0theme", ""), *_theme_sources()]:
        digest.update(f"{name}\0{text}\0".encode())
    for base in (root, runtime.THEME_ROOT):
        for rel, refused in sitepaths.walk(base, "locales"):
            if not refused and sitepaths.is_file(base, rel):
                digest.update(f"{base}/{rel}\0".encode() + sitepaths.read_bytes(base, rel) + b"\0")
    return digest.hexdigest()


def _bytecode(compiled: tuple[Path, str] | None, lang: str) -> jinja2.BytecodeCache | None:
    """Compiled templates found by name and text (Jinja's own check), and by Jinja's version, the locale and `compiled`'s digest."""
    if compiled is None:
        return None
    folder, key = compiled
    return _Compiled(str(folder), f"__jinja2_{jinja2.__version__}_{lang}_{key[:20]}_%s.cache")


class _Compiled(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates, where one that cannot be kept (its folder emptied by another process) is compiled again next time."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


class SiteLoader(jinja2.BaseLoader):
    """The site's templates/, read under the path policy: no link that leaves the site, regular files only, bounded."""

    def __init__(self, root: Path, snapshot: bool = False) -> None:
        """With `snapshot`, every template is read now and served as read (what could not be read is read again when used)."""
        self.root = root
        self._read: dict[str, str | None] | None = None
        if snapshot:
            self._read = {rel: None if refused else _quiet(self._text, rel) for rel, refused in sitepaths.walk(root, TEMPLATES_DIR)}

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        rel = "/".join([TEMPLATES_DIR, *split_template_path(template)])
        if self._read is None:
            return self._text(rel, template), rel, lambda: True
        if rel not in self._read:
            raise jinja2.TemplateNotFound(template)
        text = self._read[rel]
        if text is None:
            self._text(rel, template)  # raises what is wrong with it, located
            raise ContentError(f"template {rel} changed during the build", (_diag(rel, 1, "changed during the build"),))
        return text, rel, lambda: True

    def _text(self, rel: str, template: str = "") -> str:
        try:
            data = sitepaths.read_bytes(self.root, rel, MAX_TEMPLATE_BYTES)
        except FileNotFoundError:
            raise jinja2.TemplateNotFound(template or rel) from None
        except (OSError, sitepaths.UnsafePath, sitepaths.TooLarge) as exc:
            raise ContentError(f"template {rel} cannot be read", (_diag(rel, 1, str(exc)),)) from None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ContentError(f"template {rel} is not UTF-8", (_diag(rel, 1, f"not UTF-8 (byte offset {exc.start})"),)) from None

    def sources(self) -> list[tuple[str, str]]:
        """(name, text) of every template the site has that could be read (what cannot be read fails when it is used)."""
        read = (
            self._read
            if self._read is not None
            else {rel: _quiet(self._text, rel) for rel, no in sitepaths.walk(self.root, TEMPLATES_DIR) if not no}
        )
        return [(rel[len(TEMPLATES_DIR) + 1 :], text) for rel, text in read.items() if text is not None]


def _quiet(read: Callable[[str], str], rel: str) -> str | None:
    try:
        return read(rel)
    except (ContentError, jinja2.TemplateNotFound):
        return None


MAX_TEMPLATE_BYTES = 1 << 20
_THEME_LOADER = jinja2.PackageLoader("pipeline", "theme/templates")


@functools.cache
def _theme_sources() -> tuple[tuple[str, str], ...]:
    """(name, text) of every template of the package's theme (they do not change while the tool runs)."""
    env = jinja2.Environment()
    return tuple((name, _THEME_LOADER.get_source(env, name)[0]) for name in _THEME_LOADER.list_templates())


class _Environment(ImmutableSandboxedEnvironment):
    """Jinja's sandbox (site templates come from pull requests: no attribute of Python's internals, no mutation), with `page.lang` on a plain dict read as the key it ends up as, without raising AttributeError first.

    With `folding` (the locale's translations, when no template binds a gettext name), interface strings with literal
    arguments are translated when a template is compiled (gettextfold)."""

    folding: gettext.NullTranslations | None = None
    _forms: dict[tuple[str, str, int], str] | None = None

    def plural_form(self, singular: str, plural: str, number: object) -> str:
        """What a folded `ngettext` formats: the locale's form for `number`, as data, kept by number when it is a small int."""
        assert self.folding is not None  # only folded templates call it
        if type(number) is not int or not 0 <= number < MAX_KEPT_NUMBER:
            return self.folding.ngettext(singular, plural, number)  # type: ignore[arg-type]  # as the unfolded call would
        if self._forms is None:
            self._forms = {}
        key = (singular, plural, number)
        form = self._forms.get(key)
        if form is None:
            form = self._forms[key] = self.folding.ngettext(singular, plural, number)
        return form

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        tree = super()._parse(source, name, filename)
        if self.folding is None:
            return tree
        if not gettextfold.foldable(self, [(name or "", source)]):  # not the text scanned when the theme was made
            raise ContentError(
                f"template {filename or name} changed during the build", (_diag(filename or name or "", 1, "changed during the build"),)
            )
        return gettextfold.fold(tree, self.folding)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except (TypeError, LookupError, AttributeError):
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


MAX_KEPT_NUMBER = 1000  # the forms kept per string: a page's counts (minutes, articles) are small
_DICT_ATTRIBUTES = frozenset(dir(dict))  # all a dict has as attributes (it has no instance dict)


def _page_body(body: object, permalink: str, backref: str) -> Markup:
    """`{{ article.html | page_body(_("Link to this section"), _("Back to reference %(num)s", num="{num}")) }}`."""
    return Markup(decorate(str(body), Markup(permalink).striptags(), Markup(backref).striptags()))


def _toc(body: object) -> list[dict[str, Any]]:
    """`{% for entry in article.html | toc %}`: the level 2 and 3 headings, with `level`, `id` and `text` (markup)."""
    return [{"level": e.level, "id": e.id, "text": Markup(e.text)} for e in contents(str(body))]


def _failed_at(exc: BaseException, template: str) -> tuple[str, int]:
    """The site template and line a rendering error happened at (Jinja puts template lines in the traceback), else `template`, 1."""
    import traceback  # here: only a failed rendering needs it

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(f"{TEMPLATES_DIR}/")]
    return (frames[-1].filename, frames[-1].lineno or 1) if frames else (template, 1)


def _diag(path: str, line: int, message: str) -> Diagnostic:
    return Diagnostic.make("template-error", path, line, 1, message)


def site_context(plan: SitePlan, lang: str, counterparts: dict[str, str]) -> dict[str, Any]:
    """What every page of `lang` knows of the site; `counterparts` maps each locale to this page's version there."""
    config = plan.config
    locales = [
        {
            "code": code,
            "name": loc.name,
            "dir": loc.direction,
            "url": plan.link(counterparts.get(code, f"/{code}/")),
            "current": code == lang,
        }
        for code, loc in config.locales.items()
    ]
    title = config.title.get(lang) or config.title.get(config.source_locale) or config.base_url
    return {
        "title": title,
        "lang": lang,
        "dir": config.locales[lang].direction,
        "home_url": plan.link(f"/{lang}/"),
        "feed_url": plan.link(f"/{lang}/feed.xml"),
        "search_url": plan.link(f"/{lang}/search/"),
        "stylesheet": plan.link("/assets/style.css"),
        "highlight_stylesheet": plan.link("/assets/highlight.css"),
        "favicon": plan.link("/assets/favicon.svg"),
        "site_name": isolate_text(title, config.locales[lang].direction),
        "root_url": plan.link("/"),
        "locales": locales,
    }


def page_context(
    plan: SitePlan,
    lang: str,
    title: str,
    path: str,
    alternates: tuple[tuple[str, str], ...],
    canonical: str | None = None,
    entry: Entry | None = None,
) -> dict[str, Any]:
    """What a page's <head> says of it: title, URLs, alternates, and its description, Open Graph and JSON-LD metadata."""
    direction = plan.config.locales[lang].direction
    site_title = plan.config.title.get(lang) or plan.config.title.get(plan.config.source_locale) or plan.config.base_url
    article = entry.article if entry is not None else None
    description = isolate_text(" ".join((article.summary or "").split()) if article else site_title, direction)
    image = plan.absolute(article.image.src) if article and article.image and article.image.src.startswith("/") else None
    return {
        "title": isolate_text(title, direction),
        "lang": lang,
        "dir": direction,
        "url": plan.absolute(path),
        "canonical": plan.absolute(canonical or path),
        "alternates": [{"hreflang": code, "url": plan.absolute(url)} for code, url in alternates],
        "description": description,
        "type": "article" if article else "website",
        "og_locale": og_locale(article.lang if article else lang),
        "og_alternates": [og_locale(code) for code, _ in alternates if code not in ("x-default", lang)],
        "image": image,
        "image_alt": isolate_text(article.image.alt, direction) if image and article and article.image else None,
        "json_ld": _json_ld(plan, entry, description, image) if entry is not None else None,
    }


def _json_ld(plan: SitePlan, entry: Entry, description: str, image: str | None) -> Markup:
    """A schema.org Article for search engines, safe inside <script>: no '<', '>' or '&' left as such."""
    article = entry.article
    direction = plan.config.locales[entry.lang].direction
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": isolate_text(article.title, direction),
        "description": description,
        "inLanguage": article.lang,
        "datePublished": article.date.isoformat(),
        "url": plan.absolute(entry.canonical),
        "mainEntityOfPage": plan.absolute(entry.url),
    }
    if article.author:
        data["author"] = {"@type": "Person", "name": isolate_text(article.author, direction)}
    if image:
        data["image"] = image
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def article_context(plan: SitePlan, entry: Entry) -> dict[str, Any]:
    """One article for templates: text fields isolated for its direction, the body as markup."""
    config = plan.config
    article = entry.article
    direction = config.locales[article.lang].direction
    foreign = other_lang(_directions(config), direction)
    page_direction = config.locales[entry.lang].direction
    return {
        "id": entry.id,
        "url": plan.link(entry.url),
        "lang": article.lang,
        "dir": direction,
        "title": Markup(isolate_plain(article.title, direction, foreign)),
        "summary": Markup(isolate_plain(article.summary or "", direction, foreign)),
        "date": article.date.isoformat(),
        "date_display": long_date(article.date, entry.lang),
        "author": Markup(isolate_plain(article.author, page_direction, other_lang(_directions(config), page_direction)))
        if article.author
        else None,
        "tags": [
            {"id": tag, "name": tag_name(config, tag, entry.lang), "url": plan.link(f"/{entry.lang}/tags/{tag}/")} for tag in article.tags
        ],
        "image": {
            "src": plan.link(article.image.src) if article.image.src.startswith("/") else article.image.src,
            "alt": isolate_text(article.image.alt, direction),
            "size": plan.images.get(article.image.src.lstrip("/")) if article.image.src.startswith("/") else None,
        }
        if article.image
        else None,
        "html": entry.body,  # markup, made when a template shows it
        "toc": bool(article.fields.get("toc", config.toc)),
        "reading_minutes": entry.reading_minutes,
        "fallback_from": entry.fallback_from,
        "stale": entry.stale,
    }


def _directions(config: SiteConfig) -> dict[str, str]:
    return {code: loc.direction for code, loc in config.locales.items()}


def tag_name(config: SiteConfig, tag: str, lang: str) -> str:
    """A tag's name in `lang` as pages show it: runs of the other direction in Unicode isolates (`.NET ו-C#`), so that it
    reads right in text and in an attribute alike (a template may put it in either)."""
    return isolate_text(config.tags.get(tag, {}).get(lang, tag), config.locales[lang].direction)


def pages_of(items: tuple[Entry, ...], per_page: int) -> Iterator[tuple[int, int, tuple[Entry, ...]]]:
    """(page number, page count, entries) for a paginated list; one empty page when there are none."""
    count = max(1, -(-len(items) // per_page))
    for number in range(1, count + 1):
        yield number, count, items[(number - 1) * per_page : number * per_page]


def check_templates(root: Path) -> list[Diagnostic]:
    """Every template in the site's templates/ parsed in the sandbox: a syntax error or an unreadable file, located (for `validate`)."""
    env = _Environment(loader=SiteLoader(root), autoescape=True, extensions=["jinja2.ext.i18n"])
    found = []
    for rel, refused in sitepaths.walk(root, TEMPLATES_DIR):
        if refused or not rel.endswith((".html", ".xml", ".txt", ".j2")):
            continue  # refused paths are reported by the gate
        name = rel[len(TEMPLATES_DIR) + 1 :]
        try:
            source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
            env.parse(source, name, rel)
        except jinja2.TemplateSyntaxError as exc:
            found.append(_diag(rel, exc.lineno, exc.message or "syntax error"))
        except ContentError as exc:
            found += exc.diagnostics
    return found
