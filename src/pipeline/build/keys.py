"""Output keys from digests of plain data, each part's digest computed once per what it is made from and kept between rebuilds."""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from typing import Any

import orjson

from pipeline.content.sources import text_digest, utf8_digest
from pipeline.render.siteplan import PageBody

# As the standard library's json would write them, dataclasses and datetimes included (they go to `_plain`, as there);
# non-text dict keys as text. A value orjson refuses (an integer past 64 bits, a lone surrogate) is written by json.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def key(*parts: Any) -> str:
    """A digest of plain data (contexts, lists of entries), from its compact JSON (orjson's C encoder: ~6,700 keys a build
    at 1,000 pairs, where json.dumps took a quarter of describing the outputs)."""
    try:
        return utf8_digest(orjson.dumps(parts, default=_plain, option=_OPTIONS))
    except orjson.JSONEncodeError:
        return text_digest(json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=_plain))


def joined(*parts: str) -> str:
    """A digest of texts (digests, names), cheaper than `key` for a key made of other keys."""
    return text_digest("\0".join(parts))


def _plain(value: Any) -> Any:
    """A body as its key (what it is made from), so keys are made without making bodies; anything else as text."""
    return value.key if isinstance(value, PageBody) else str(value)


class Keys:
    """Digests of the parts outputs are made from (an entry's sitemap line, its API document...), by what each part is made of.

    `scope` is what every part also depends on (the build's common key and the validation's rules): a rebuild under
    another scope starts afresh. A part's digest is computed once per `(kind, made_of)`, so `made_of` must hold
    everything the part is made from besides the scope; only the parts a build used are kept for the next one.
    """

    def __init__(self, scope: str = "") -> None:
        self.scope = scope
        self._last: dict[tuple[str, Hashable], str] = {}
        self._now: dict[tuple[str, Hashable], str] = {}

    def of(self, kind: str, made_of: Hashable, data: Callable[[], Any]) -> str:
        """The digest of `data()`, computed only if no build since the last `settle` or just before it had this part."""
        return self.value(kind, made_of, lambda: key(data()))

    def value(self, kind: str, made_of: Hashable, make: Callable[[], str]) -> str:
        """`make()`, a text made from `made_of` (and the scope) alone, called only if no build since the last `settle` or just before it did."""
        name = (kind, made_of)
        found = self._now.get(name)
        if found is None:
            found = self._last.get(name)
            if found is None:
                found = make()
            self._now[name] = found
        return found

    def settle(self, whole: bool = True) -> None:
        """End a build: what it used is kept for the next one; the rest is forgotten after a `whole` build (one that
        described every output), kept too after one that described only some (depmap.py: the others still use it)."""
        self._last, self._now = (self._now if whole else self._last | self._now), {}


def within(keys: Keys | None, scope: str) -> Keys:
    """`keys` if it was made for `scope`, else new ones for it."""
    return keys if keys is not None and keys.scope == scope else Keys(scope)
