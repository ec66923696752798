"""The site's interface strings at run time: a catalog loaded (compiled .mo or the .po itself) and installed in a Jinja2 environment."""

from __future__ import annotations

import gettext
import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from jinja2 import Environment

from pipeline import sitepaths
from pipeline.catalogs.pofiles import MAX_PO_BYTES, cldr_locale, plural_forms, read
from pipeline.diagnostics import Diagnostic
from pipeline.errors import ContentError


def translations(root: Path, lang: str) -> gettext.NullTranslations:
    """The site's translations into `lang`: the compiled .mo if up to date, else the .po itself; CLDR picks plural forms."""
    locale = cldr_locale(lang)
    rel = catalog_path(str(locale) if locale else lang)
    mo_rel = rel.removesuffix(".po") + ".mo"
    po, mo = root / rel, root / mo_rel
    has_po = sitepaths.is_file(root, rel)
    if sitepaths.is_file(root, mo_rel) and (not has_po or mo.stat().st_mtime >= po.stat().st_mtime):
        try:
            loaded: gettext.NullTranslations = gettext.GNUTranslations(io.BytesIO(sitepaths.read_bytes(root, mo_rel, MAX_PO_BYTES)))
        except (OSError, sitepaths.UnsafePath, sitepaths.TooLarge) as exc:
            raise ContentError(f"{mo_rel} cannot be read", (Diagnostic.make("path-unsafe", mo_rel, 1, 1, str(exc)),)) from None
    elif has_po:
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
