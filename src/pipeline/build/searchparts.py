"""Each article's search weights kept between builds (sealed in the build cache, and in memory for `serve`), so an edit recounts only its own article."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.build import cache
from pipeline.render import search
from pipeline.render.siteplan import SitePlan

_memory: dict[tuple[str, str], dict[str, search.Weights]] = {}  # (site root, locale) -> weights by key, in this process


def index(site: SitePlan, lang: str, store: Path | None) -> dict[str, Any]:
    """The locale's search index, counting only the articles whose text no earlier build of this process or cache counted.

    With a `store` (the site root, its cache usable) the weights are read from and written to its sealed cache;
    a cache that cannot be trusted counts as empty (the build's own cache check reports it).
    """
    where = (str(store) if store is not None else "", lang)
    known = _memory.get(where)
    if known is None and store is not None:
        known = _read(store, lang)
    known = known or {}
    used, counted = {}, []
    for entry in site.entries[lang]:
        name = search.weights_key(entry)
        found = known.get(name)
        counted.append(found if found is not None else search.weights(entry))
        used[name] = counted[-1]
    document = search.index_document(site, lang, counted)
    if store is not None and used != known:
        cache.write(store, _name(lang), used)
    _memory[where] = used
    return document


def _name(lang: str) -> str:
    return f"search-{lang}"  # a locale code is letters and one underscore (site.schema.json)


def _read(store: Path, lang: str) -> dict[str, search.Weights] | None:
    try:
        value = cache.read(store, _name(lang))
    except cache.Discarded:
        return None
    return value if isinstance(value, dict) else None
