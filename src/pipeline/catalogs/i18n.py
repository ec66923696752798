"""The Babel workflow behind `pipeline i18n`: extract the template, init, update, compile and check the catalogs."""

from __future__ import annotations

import datetime
import gettext
import io
import re
import tokenize
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import write_po
from jinja2 import TemplateSyntaxError
from jinja2.ext import babel_extract

from pipeline import PACKAGE, __version__, sitepaths
from pipeline.catalogs.checks import check_catalog, outdated_catalog, outdated_template
from pipeline.catalogs.gate import catalogs, language_of
from pipeline.catalogs.plurals import PluralForms, cldr_locale, plural_forms
from pipeline.catalogs.pofiles import PoFile, parse, read
from pipeline.catalogs.runtime import THEME_ROOT, catalog_path, mo_bytes
from pipeline.config.site import SITE_FILE
from pipeline.diagnostics import Diagnostic, count
from pipeline.errors import ContentError, UsageError

THEME = PACKAGE / "theme" / "templates"
TEMPLATE = "locales/messages.pot"
KEYWORDS: dict[str, Any] = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3)}
COMMENT_TAGS = ("Translators:",)
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true", "silent": "false"}
POT_HEADER = "# Interface strings of the pipeline theme and this site's templates.\n# Made by `pipeline i18n extract`; run it again instead of editing.\n#"
PO_HEADER = "# {name} translations of the interface strings.\n# Edit in Poedit or Weblate; `pipeline i18n update` adds new strings.\n#"


@dataclass(frozen=True, slots=True)
class Source:
    """A file interface strings are extracted from, and the name the template gives it."""

    path: Path
    ref: str  # relative to the site root, or pipeline/... for the package's own files
    method: Callable[..., Any] | str


def sources(root: Path) -> list[Source]:
    """The theme's templates (unless the site overrides one), the site's templates, then the package's Python code."""
    site = {  # under the path policy: a link out of the site or a special file is never read (validate reports it)
        rel.removeprefix("templates/"): root / rel
        for rel, refused in sitepaths.walk(root, "templates")
        if not refused and rel.endswith(".html")
    }
    found = [
        Source(path, f"pipeline/theme/templates/{rel}", babel_extract)
        for path in sorted(THEME.rglob("*.html"))
        if (rel := path.relative_to(THEME).as_posix()) not in site
    ]
    found += [Source(path, f"templates/{rel}", babel_extract) for rel, path in site.items()]
    found += [Source(path, f"pipeline/{path.relative_to(PACKAGE).as_posix()}", "python") for path in sorted(PACKAGE.rglob("*.py"))]
    return found


def extract_messages(root: Path) -> Catalog:
    """Every translatable string of the site's templates and the package, as a template catalog (in memory)."""
    catalog = Catalog(project="pipeline", version=__version__, copyright_holder="", header_comment=POT_HEADER)
    catalog.msgid_bugs_address = ""  # none: issues go wherever the site takes them
    errors = []
    for source in sources(root):
        options = JINJA_OPTIONS if source.method is babel_extract else {}
        try:
            with source.path.open("rb") as fileobj:
                found = list(extract(source.method, fileobj, KEYWORDS, COMMENT_TAGS, options))
        except TemplateSyntaxError as exc:
            errors.append(Diagnostic.make("catalog-source", source.ref, exc.lineno, 1, f"template syntax error: {exc.message}"))
            continue
        except (SyntaxError, tokenize.TokenError, UnicodeDecodeError) as exc:
            errors.append(Diagnostic.make("catalog-source", source.ref, getattr(exc, "lineno", None) or 1, 1, f"cannot be read: {exc}"))
            continue
        for lineno, message, comments, context in found:
            catalog.add(message, None, [(source.ref, lineno)], auto_comments=comments, context=context)
    if errors:
        raise ContentError("strings cannot be extracted", tuple(errors))
    return catalog


def write_template(root: Path) -> tuple[int, bool]:
    """Extract into locales/messages.pot; its date changes only when its content does. Returns (messages, written)."""
    _require_site(root)
    catalog = extract_messages(root)
    path = root / TEMPLATE
    if path.is_file():
        previous = read(root, TEMPLATE)
        if not previous.problems:
            catalog.creation_date = previous.catalog.creation_date
            if _without_generator(_po_bytes(catalog, sort_output=True)) == _without_generator(path.read_bytes()):
                return len(catalog), False  # the same messages; only, perhaps, another Babel version
    catalog.creation_date = _now()
    _write(path, _po_bytes(catalog, sort_output=True))
    return len(catalog), True


def init(root: Path, lang: str, seed: bool = False, strings: Mapping[str, str] | None = None) -> str:
    """Create locales/LANG/LC_MESSAGES/messages.po from the template, with CLDR's plural forms; returns its path.

    With `seed`, the strings the theme's own catalog translates start with its translations; `strings`
    (msgid -> translation, for singular strings) are put in over those (an import's own translations).
    """
    _require_site(root)
    locale = _language(lang)
    rel = catalog_path(str(locale))
    if (root / rel).exists():
        raise UsageError(f"{rel} already exists; run `pipeline i18n update` to merge new strings into it")
    catalog = _template(root).catalog
    theme = THEME_ROOT / rel
    if seed and theme.is_file():
        known = read(THEME_ROOT, rel).catalog
        for message in catalog:
            found = known.get(message.id, message.context) if message.id else None
            if found is not None and not found.fuzzy:
                message.string = found.string
    for message in catalog:
        if strings and isinstance(message.id, str) and message.id in strings:
            message.string = strings[message.id]
    catalog.locale = locale
    catalog.fuzzy = False
    catalog.revision_date = _now()
    catalog.header_comment = PO_HEADER.format(name=locale.english_name)
    _set_plurals(catalog, plural_forms(locale))
    _write(root / rel, _po_bytes(catalog))
    return rel


def update(root: Path) -> tuple[list[str], list[Diagnostic]]:
    """Merge the template into every catalog (changed strings become fuzzy, removed ones obsolete); returns (updated, problems)."""
    _require_site(root)
    template = _template(root).catalog
    updated: list[str] = []
    problems: list[Diagnostic] = []
    for rel in catalogs(root):
        po = read(root, rel)
        if po.problems:
            problems += po.problems
            continue
        locale = cldr_locale(language_of(rel))
        previous = {(m.id, m.context): m.previous_id for m in po.catalog if m.fuzzy and m.previous_id}
        po.catalog.update(template, update_header_comment=False, keep_user_comments=True, update_creation_date=True)
        for message in po.catalog:  # Babel forgets the previous msgid of a string that stays fuzzy
            if message.fuzzy and not message.previous_id:
                message.previous_id = previous.get((message.id, message.context), [])
        if locale is not None:
            if po.catalog.locale is None:
                po.catalog.locale = locale
            _set_plurals(po.catalog, plural_forms(locale))
        data = _po_bytes(po.catalog, include_previous=True)
        if _without_generator(data) != _without_generator((root / rel).read_bytes()):
            _write(root / rel, data)
            updated.append(rel)
    return updated, problems


def compile_catalogs(root: Path) -> tuple[list[str], list[Diagnostic]]:
    """Write messages.mo beside each catalog without errors (fuzzy entries left out); returns (written, errors)."""
    _require_site(root)
    written: list[str] = []
    errors: list[Diagnostic] = []
    for rel in catalogs(root):
        po = read(root, rel)
        found = [d for d in check_catalog(po, language_of(rel)) if d.is_error]
        if found:
            errors += found
            continue
        target = rel.removesuffix(".po") + ".mo"
        _write(root / target, mo_bytes(po.catalog))
        written.append(target)
    return written, errors


def check(root: Path) -> tuple[int, list[Diagnostic]]:
    """Every problem of the template (out of date with the sources?) and of each catalog; returns (files checked, diagnostics)."""
    _require_site(root)
    fresh = extract_messages(root)
    pot = read(root, TEMPLATE) if (root / TEMPLATE).is_file() else None
    found = list(pot.problems) if pot else []
    found += outdated_template(pot, fresh, TEMPLATE)
    paths = catalogs(root)
    for rel in paths:
        po = read(root, rel)
        found += check_catalog(po, language_of(rel))
        if pot is not None and not pot.problems and not po.problems:
            found += outdated_catalog(po, pot.catalog, TEMPLATE)
    ordered = sorted(set(found), key=lambda d: (d.path, d.line, d.column, d.code, d.message))
    return len(paths) + (pot is not None), ordered


def check_files(paths: list[Path], lang: str | None = None) -> tuple[int, list[Diagnostic]]:
    """Catalogs on their own, without a site or its template (for a translator on one file); returns (files, diagnostics).

    The language is `lang`, else the folder above LC_MESSAGES, else the catalog's Language header.
    """
    found: list[Diagnostic] = []
    for path in paths:
        shown = _shown(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            found.append(Diagnostic.make("file-unreadable", shown, 1, 1, f"cannot be read: {exc.strerror}"))
            continue
        po = parse(data, shown)
        language = lang or (path.parent.parent.name if path.parent.name == "LC_MESSAGES" else None)
        language = language or (str(po.catalog.locale) if po.catalog.locale else None)
        if language is None:
            raise UsageError(f"{shown}: no language in its path or its Language header; name it with --lang")
        found += check_catalog(po, language)
    return len(paths), sorted(set(found), key=lambda d: (d.path, d.line, d.column, d.code, d.message))


def _shown(path: Path) -> str:
    """A path as the diagnostics name it: relative to the current folder when it is inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def summary(diagnostics: list[Diagnostic], files: int) -> str:
    """One closing line for people: how many catalog files were checked and how it went."""
    counts = count(diagnostics)
    errors = f"{counts['error']} error" + ("" if counts["error"] == 1 else "s")
    warnings = f"{counts['warning']} warning" + ("" if counts["warning"] == 1 else "s")
    return f"checked {files} catalog file{'' if files == 1 else 's'}: {errors}, {warnings}"


def _set_plurals(catalog: Catalog, forms: PluralForms) -> None:
    """Write CLDR's Plural-Forms header; translations made under another rule move to the forms CLDR uses for the same numbers, fuzzy."""
    if not forms.agrees(catalog.num_plurals, catalog.plural_expr):
        try:
            before: Callable[[int], int] | None = gettext.c2py(catalog.plural_expr)
        except ValueError:
            before = None
        for message in catalog:
            if message.pluralizable and isinstance(message.string, (tuple, list)) and any(message.string):
                message.string = _remap(tuple(message.string), before, forms)
                message.flags.add("fuzzy")
    catalog.mime_headers = [("Plural-Forms", forms.header)]


def _remap(strings: tuple[str, ...], before: Callable[[int], int] | None, forms: PluralForms) -> tuple[str, ...]:
    moved = []
    for form in range(forms.count):
        old = before(forms.numbers(form, 1)[0]) if before else form
        moved.append(strings[old] if old < len(strings) else "")
    return tuple(moved)


def _template(root: Path) -> PoFile:
    if not (root / TEMPLATE).is_file():
        raise UsageError(f"{TEMPLATE} does not exist; run `pipeline i18n extract` first")
    pot = read(root, TEMPLATE)
    if pot.problems:
        raise ContentError(f"{TEMPLATE} cannot be read", pot.problems)
    return pot


def _language(lang: str) -> Locale:
    locale = cldr_locale(lang)
    if locale is None:
        raise UsageError(f"'{lang}' is not a language CLDR knows (try a code such as he or en)")
    return locale


def _require_site(root: Path) -> None:
    if not (root / SITE_FILE).is_file():
        raise UsageError(f"no {SITE_FILE} in {root}: point --root at a site folder")


def _without_generator(data: bytes) -> bytes:
    """PO bytes less the `Generated-By` header, which names the Babel version that wrote them."""
    return re.sub(rb'^"Generated-By: [^"]*"\n', b"", data, flags=re.MULTILINE)


def _po_bytes(catalog: Catalog, **options: Any) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=76, **options)
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(second=0, microsecond=0)
