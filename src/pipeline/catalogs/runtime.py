"""The site's interface strings at run time: a catalog loaded (compiled .mo or the .po itself) and installed in a Jinja2 environment."""

from __future__ import annotations

import gettext
import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from jinja2 import Environment

from pipeline.catalogs.pofiles import cldr_locale, plural_forms, read
from pipeline.errors import ContentError


def translations(root: Path, lang: str) -> gettext.NullTranslations:
    """The site's translations into `lang`: the compiled .mo if up to date, else the .po itself; CLDR picks plural forms."""
    locale = cldr_locale(lang)
    rel = catalog_path(str(locale) if locale else lang)
    po, mo = root / rel, root / (rel.removesuffix(".po") + ".mo")
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fileobj:
            loaded: gettext.NullTranslations = gettext.GNUTranslations(fileobj)
    elif po.is_file():
        read_po = read(root, rel)
        if read_po.problems:
            raise ContentError(f"{rel} cannot be read", read_po.problems)
        loaded = gettext.GNUTranslations(io.BytesIO(mo_bytes(read_po.catalog)))
    else:
        return gettext.NullTranslations()
    if locale is not None:
        loaded.plural = plural_forms(locale).index()  # type: ignore[attr-defined]
    return loaded


def install(env: Environment, translations: gettext.NullTranslations) -> None:
    """Make `_`, gettext, ngettext, pgettext and npgettext in `env`'s templates use `translations`, newstyle."""
    if "jinja2.ext.InternationalizationExtension" not in env.extensions:
        env.add_extension("jinja2.ext.i18n")
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]


def catalog_path(lang: str) -> str:
    return f"locales/{lang}/LC_MESSAGES/messages.po"


def mo_bytes(catalog: Catalog) -> bytes:
    """A catalog compiled to .mo bytes, fuzzy strings left out."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()
