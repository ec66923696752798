"""The catalog gate: every site catalog checked once per text (cached by its digest, like articles), errors and warnings for validate."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline import sitepaths
from pipeline.diagnostics import Diagnostic

Known = tuple[str, Any]  # a catalog's digest and its findings as plain tuples
KEY = "catalog:"  # how a catalog's record is told apart from an article's in the build cache
LEFT_TO_STATUS = ("catalog-fuzzy", "catalog-untranslated")  # not used and shown in English: `status` reports them


def check_catalogs(root: Path, known: Mapping[str, Known], limit: int) -> tuple[list[Diagnostic], dict[str, Known]]:
    """The findings of every catalog under locales/, from `known` where its bytes are unchanged; and the records to keep.

    A catalog over `limit` bytes (the site's limits.max_file_bytes, as for articles) is refused unread.
    """
    found: list[Diagnostic] = []
    records: dict[str, Known] = {}
    for rel in catalogs(root):
        try:
            data = sitepaths.read_bytes(root, rel, limit)  # never through a link leaving the site, never a device
        except sitepaths.TooLarge as exc:
            text = f"file is {exc.size:,} bytes, over the site's limit of {limit:,} (limits.max_file_bytes)"
            found.append(Diagnostic.make("file-unreadable", rel, 1, 1, text))
            continue
        except sitepaths.UnsafePath as exc:
            found.append(Diagnostic.make("path-unsafe", rel, 1, 1, exc.reason))
            continue
        except OSError as exc:
            found.append(Diagnostic.make("file-unreadable", rel, 1, 1, f"cannot be read: {exc.strerror}"))
            continue
        digest = hashlib.blake2b(data, digest_size=20).hexdigest()
        hit = known.get(KEY + rel)
        if hit is not None and hit[0] == digest:
            diagnostics = [Diagnostic.make(*plain) for plain in hit[1]]
        else:
            diagnostics = _checked(data, rel)
        records[KEY + rel] = (digest, tuple((d.code, d.path, d.line, d.column, d.message) for d in diagnostics))
        found += diagnostics
    return found, records


def _checked(data: bytes, rel: str) -> list[Diagnostic]:
    """What checking a catalog's bytes finds, less what `status` reports (the checks and Babel's catalog parser are imported
    here: a build whose catalogs are unchanged never needs them)."""
    from pipeline.catalogs.checks import check_catalog
    from pipeline.catalogs.pofiles import parse

    return [d for d in check_catalog(parse(data, rel), language_of(rel)) if d.code not in LEFT_TO_STATUS]


def catalogs(root: Path) -> list[str]:
    """The paths of the site's catalogs, relative to its root."""
    return [p.relative_to(root).as_posix() for p in sorted(root.glob("locales/*/LC_MESSAGES/messages.po"))]


def language_of(rel: str) -> str:
    return rel.split("/")[1]
