"""Which outputs are made from which parts of the site (an entry, a source's fingerprint), so an edit re-describes only those.

A part is named `LANG/ID` (the digest of an entry's signature: what its page is made from) or `print/ID` (the digest of
article ID's source fingerprint). Every output's key is made from the build's scope (the common key and the rules), the
site's structure (`structure_of`) and the parts its description reads. While the scope and the structure are unchanged,
the set of outputs and the parts each reads are too: an output none of whose parts changed keeps its key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from pipeline.build.keys import joined
from pipeline.render.siteplan import SitePlan

FORM = 1  # of the plain form; another is not read


@dataclass(frozen=True, slots=True)
class DepMap:
    """What a build's outputs were made from: the structure's digest, each part's digest, and the outputs each part is read by."""

    structure: str
    parts: Mapping[str, str]  # part name -> its digest
    uses: Mapping[str, tuple[str, ...]]  # part name -> the paths of the outputs whose keys are made from it

    def to_plain(self) -> dict[str, Any]:
        """Plain data (strings, lists, dicts) for the build cache; `from_plain` reads it back."""
        return {"form": FORM, "structure": self.structure, "parts": dict(self.parts), "uses": {k: list(v) for k, v in self.uses.items()}}


def from_plain(data: object) -> DepMap | None:
    """A map from its plain form, or None when it is not one (another form, damaged): then every output is described.

    Its form is checked down to each part's digest and each part's list of paths, not every path in them: a plain map is read
    only from the sealed build cache, of this very version (cache.py), where only `to_plain` can have written it."""
    if not isinstance(data, dict) or data.get("form") != FORM or not isinstance(data.get("structure"), str):
        return None
    parts, uses = data.get("parts"), data.get("uses")
    if not isinstance(parts, dict) or not all(type(k) is str and type(v) is str for k, v in parts.items()):
        return None
    if not isinstance(uses, dict) or not all(type(k) is str and type(v) is list for k, v in uses.items()):
        return None
    return DepMap(data["structure"], MappingProxyType(parts), MappingProxyType({k: tuple(v) for k, v in uses.items()}))


def structure_of(site: SitePlan, scope: str, fixed: tuple[str, ...]) -> str:
    """A digest of what every output's key is made from besides its parts: the scope, what each locale publishes in which
    order (and its tags, and which are fallbacks), the plan's context (aliases, base path, images' sizes), and `fixed`
    (the static files' and redirects' paths: what else decides which outputs there are)."""
    lines = [
        f"{lang} {e.id} {e.fallback_from} {' '.join(e.article.tags)}" for lang in site.config.locales for e in site.entries.get(lang, ())
    ]
    return joined(scope, site.context, "\n".join(lines), "\n".join(fixed))


def stale(last: DepMap | None, structure: str, parts: Mapping[str, str]) -> frozenset[str] | None:
    """The paths of the outputs some of whose parts changed since `last`; None when there is no `last` or the structure
    changed (then every output is described again)."""
    if last is None or last.structure != structure or last.parts.keys() != parts.keys():
        return None
    changed = [name for name, digest in parts.items() if last.parts[name] != digest]
    return frozenset(path for name in changed for path in last.uses.get(name, ()))
