"""Each locale's last search index kept between builds (sealed in the build cache, and in memory for `serve`), so an edit recounts and re-posts only its own article."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.build import cache
from pipeline.render import search
from pipeline.render.siteplan import SitePlan

# Past this share of changed documents, posting the index afresh from the kept weights is no slower than re-posting each one.
_REPOST_SHARE = 4


@dataclass(frozen=True, slots=True)
class Kept:
    """A locale's index as a build left it: what each document's words are made from (`made_of`), in the order of the
    locale's entries, each document's weights, and the words and postings made from them (search.postings_of)."""

    made_of: tuple[str, ...]
    weights: tuple[search.Weights, ...]
    posted: search.Postings

    def to_plain(self) -> dict[str, Any]:
        return {"made_of": self.made_of, "weights": self.weights, "terms": self.posted[0], "postings": self.posted[1]}


_memory: dict[tuple[str, str], Kept] = {}  # (site root, locale) -> its last index, in this process


def index(site: SitePlan, lang: str, store: Path | None, made_of: Sequence[str]) -> dict[str, Any]:
    """The locale's search index; `made_of` says what each entry's words are made from (equal texts, equal words), in order.

    Only the documents whose `made_of` differs from the last index's at their place are counted and posted again (every
    document when the locale's entries are more or fewer, or many of them moved). With a `store` (the site root, its cache
    usable) the last index is read from and written to its sealed cache; a cache that cannot be trusted counts as empty
    (the build's own cache check reports it).
    """
    where = (str(store) if store is not None else "", lang)
    last = _memory.get(where)
    if last is None and store is not None:
        last = _read(store, lang)
    made_of = tuple(made_of)
    kept = _repost(site, lang, last, made_of) if last is not None else None
    if kept is None:
        kept = _post(site, lang, last, made_of)
    if store is not None and (last is None or kept.made_of != last.made_of):
        cache.write(store, _name(lang), kept.to_plain())
    _memory[where] = kept
    return search.document(site, lang, kept.posted)


def _post(site: SitePlan, lang: str, last: Kept | None, made_of: tuple[str, ...]) -> Kept:
    """Every document posted afresh, counting only those whose words the last index did not have."""
    known = dict(zip(last.made_of, last.weights)) if last is not None else {}
    counted = tuple(
        known[name] if name in known else search.weights(entry) for name, entry in zip(made_of, site.entries[lang], strict=True)
    )
    return Kept(made_of, counted, search.postings_of(counted))


def _repost(site: SitePlan, lang: str, last: Kept, made_of: tuple[str, ...]) -> Kept | None:
    """The last index with the documents whose `made_of` changed at their place counted and posted again; None when the
    entries are more or fewer, too many changed, or the last index was not made as its weights say."""
    if len(made_of) != len(last.made_of):
        return None
    changed = [number for number, (now, was) in enumerate(zip(made_of, last.made_of)) if now != was]
    if not changed:
        return last
    if len(changed) * _REPOST_SHARE > len(made_of):
        return None
    entries, weights = site.entries[lang], list(last.weights)
    known = dict(zip(last.made_of, last.weights))
    for number in changed:
        weights[number] = known[made_of[number]] if made_of[number] in known else search.weights(entries[number])
    try:
        posted = search.reposted(last.posted, [(number, last.weights[number], weights[number]) for number in changed])
    except ValueError:
        return None
    return Kept(made_of, tuple(weights), posted)


def _name(lang: str) -> str:
    return f"search-{lang}"  # a locale code is letters and one underscore (site.schema.json)


def _read(store: Path, lang: str) -> Kept | None:
    try:
        value = cache.read(store, _name(lang))
    except cache.Discarded:
        return None
    if not isinstance(value, dict) or not all(isinstance(value.get(name), kind) for name, kind in _SHAPE.items()):
        return None
    if len(value["made_of"]) != len(value["weights"]) or len(value["terms"]) != len(value["postings"]):
        return None
    return Kept(value["made_of"], value["weights"], (value["terms"], value["postings"]))


_SHAPE = {"made_of": tuple, "weights": tuple, "terms": list, "postings": list}
