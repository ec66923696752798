"""The interface strings at run time: the site's checked .po over the theme's own catalog, compiled in memory, installed in Jinja2 as data."""

from __future__ import annotations

import gettext
import hashlib
import io
import itertools
import os
import re
import struct
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import babel
from markupsafe import escape

from pipeline import PACKAGE, sitepaths
from pipeline.catalogs.plurals import cldr_locale, plural_forms
from pipeline.errors import ContentError

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog
    from jinja2 import Environment

# An HTML tag in a message: a translation may carry the msgid's own tags unescaped (as_data); the catalog checks compare them.
TAG = re.compile(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>")
MAX_PO_BYTES = 16 << 20  # the largest catalog read: one of every string of a large site is well under 1 MB
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
THEME_ROOT = PACKAGE / "theme"  # its locales/ holds the theme's own catalogs


def translations(root: Path, lang: str, compiled: Path | None = None) -> gettext.NullTranslations:
    """The strings of `lang`: the site's catalog where it translates a string, else the theme's; CLDR picks plural forms.

    Both are compiled from their .po (fuzzy and untranslated strings left out); a committed .mo is never read. With
    `compiled` (a folder of this user's, outside the site), a catalog compiled before from the same bytes is read from it.
    """
    locale = cldr_locale(lang)
    rel = catalog_path(str(locale) if locale else lang)
    chain = [found for base in (root, THEME_ROOT) if (found := _compiled(base, rel, compiled)) is not None]
    if not chain:
        return gettext.NullTranslations()
    for upper, lower in itertools.pairwise(chain):
        upper.add_fallback(lower)
    if locale is not None:
        for loaded in chain:
            loaded.plural = plural_forms(locale).index()  # type: ignore[attr-defined]
    return chain[0]


def _compiled(base: Path, rel: str, folder: Path | None) -> gettext.GNUTranslations | None:
    if not sitepaths.is_file(base, rel):  # never through a link, never a device
        return None
    try:
        data = sitepaths.read_bytes(base, rel, MAX_PO_BYTES)
    except (OSError, sitepaths.UnsafePath, sitepaths.TooLarge):
        data = None
    kept = folder / f"catalog-{_catalog_key(rel, data)}.mo" if folder is not None and data is not None else None
    loaded = _kept_catalog(kept) if kept is not None else None
    if loaded is not None:
        return loaded
    from pipeline.catalogs.pofiles import parse, read  # here: with every catalog compiled before, Babel's reader is not loaded

    po = parse(data, rel) if data is not None else read(base, rel)  # read reports why the file could not be read
    if po.problems:
        raise ContentError(f"{rel} cannot be read", po.problems)
    mo = mo_bytes(po.catalog)
    if kept is not None:
        keep_compiled(kept, mo)
    return gettext.GNUTranslations(io.BytesIO(mo))


def _catalog_key(rel: str, data: bytes) -> str:
    """What a compiled catalog is kept by: the .po's path and bytes, and the Babel that compiled it."""
    return hashlib.blake2b(f"{rel}\0{babel.__version__}\0".encode() + data, digest_size=16).hexdigest()


def _kept_catalog(path: Path) -> gettext.GNUTranslations | None:
    """A catalog compiled before, or None when there is none that gettext can read (it is compiled again)."""
    try:
        with path.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    except (OSError, ValueError, LookupError, struct.error):
        return None


def keep_compiled(path: Path, data: bytes) -> None:
    """Keep what was compiled (a catalog, what a template check found) for the next command: written whole, then renamed;
    a folder that cannot take it is left as it is."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


class AsData(gettext.NullTranslations):
    """Translations as data: a translated string reaches the page escaped, except the exact tags of its msgid."""

    def __init__(self, inner: gettext.NullTranslations) -> None:
        super().__init__()
        self.inner = inner

    def gettext(self, message: str) -> str:
        return as_data(self.inner.gettext(message), message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return as_data(self.inner.ngettext(msgid1, msgid2, n), msgid1, msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return as_data(self.inner.pgettext(context, message), message)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return as_data(self.inner.npgettext(context, msgid1, msgid2, n), msgid1, msgid2)


def as_data(text: str, *ids: str) -> str:
    """`text` as HTML: the template's own English unchanged; a translation escaped but for tags written as in the msgid.

    Character references (`&amp;`, `&#37;`) stay as written: they are text to a browser, and never a `%` to formatting.
    """
    if text in ids:
        return text
    allowed = Counter(tag for msgid in ids for tag in TAG.findall(msgid))
    parts, last = [], 0
    for match in TAG.finditer(text):
        parts.append(_escaped(text[last : match.start()]))
        tag = match.group(0)
        parts.append(tag if allowed[tag] > 0 else _escaped(tag))
        allowed[tag] -= 1
        last = match.end()
    parts.append(_escaped(text[last:]))
    return "".join(parts)


def _escaped(text: str) -> str:
    """Text escaped for HTML elements and attributes, its well-formed character references kept."""
    parts, last = [], 0
    for match in _REFERENCE.finditer(text):
        parts += [str(escape(text[last : match.start()])), match.group(0)]
        last = match.end()
    return "".join(parts) + str(escape(text[last:]))


def install(env: Environment, translations: gettext.NullTranslations) -> None:
    """Make `_`, gettext, ngettext, pgettext and npgettext in `env`'s templates use `translations` as data, newstyle."""
    if "jinja2.ext.InternationalizationExtension" not in env.extensions:
        env.add_extension("jinja2.ext.i18n")
    env.install_gettext_translations(AsData(translations), newstyle=True)  # type: ignore[attr-defined]


def catalog_path(lang: str) -> str:
    return f"locales/{lang}/LC_MESSAGES/messages.po"


def mo_bytes(catalog: Catalog) -> bytes:
    """A catalog compiled to .mo bytes in UTF-8, fuzzy strings left out."""
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    catalog.charset = "utf-8"
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()
