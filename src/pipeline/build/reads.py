"""The parts of the site an output's key is read from (an entry's signature, a source's fingerprint), by name, and which
outputs read which (depmap.py), recorded as the outputs are described (outputs.py)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from pipeline.build.depmap import DepMap
from pipeline.build.keys import Keys, key
from pipeline.content.fingerprint import Fingerprint
from pipeline.content.sources import text_digest
from pipeline.render import search
from pipeline.render.siteplan import Entry, SitePlan
from pipeline.validate import Validation

if TYPE_CHECKING:
    from pipeline.build.outputs import Output


def signature(entry: Entry, files: Mapping[str, tuple[str, Any]]) -> tuple[Any, ...]:
    """What an entry's article context is made from besides the site's settings: its article's text and how it is published."""
    article = entry.article
    text = files.get(article.path, ("",))[0] or key(dict(article.fields), article.body)
    return (
        entry.id,
        entry.lang,
        article.path,
        text,
        entry.fallback_from,
        entry.state,
        entry.stale,
        entry.url,
        entry.alternates,
        entry.reading_minutes,
        entry.body.key,
    )


Listed = tuple[list[str], list[str]]  # the entries' digests a list of their parts' digests was made from, and that list


@dataclass(frozen=True, slots=True)
class Since:
    """A last build of the site, for `described`: its outputs and their map; in the same process, also its plan and the
    fingerprints it used (an entry or fingerprint that is the same object has the same digest, not computed again), and
    under `scope` (the Keys' scope), the lists of parts its outputs' keys were made from."""

    outputs: tuple[Output, ...]
    map: DepMap
    site: SitePlan | None = None
    fingerprints: Mapping[str, Fingerprint] | None = None
    lists: Mapping[str, Listed] = field(default_factory=dict)
    scope: str | None = None


class Reads:
    """The parts' digests (depmap.py), and which the key of each output described reads: `take` records them for it.

    Every read of a part by an output's key goes through here, so the map's record of what each output reads is whole.
    `wanted`, when set, is the paths of the only outputs to describe (then nothing is recorded: the last map's record holds)."""

    def __init__(
        self,
        keys: Keys,
        entries: Mapping[str, Mapping[str, str]],
        prints: Mapping[str, str],
        site: SitePlan,
        lists: Mapping[str, Listed],
        texts: Mapping[str, tuple[str, Any]] | None = None,
    ) -> None:
        self.keys = keys
        self._texts = texts or {}  # path -> (its text's digest, its record)
        self._last_lists = lists  # the last build's, under the same scope
        self.lists: dict[str, Listed] = {}
        self._entries = entries  # locale -> entry id -> the digest of its _signature
        self._prints = prints  # article id -> the digest of its source's fingerprint
        self._site = site
        self._tags: dict[str, dict[str, tuple[Entry, ...]]] | None = None
        self.published = {code: {e.id for e in site.entries[code]} for code in site.config.locales}  # locale -> the ids it publishes
        self.wanted: frozenset[str] | None = None
        self.uses: dict[str, list[str]] = {}
        self._pending: list[str] = []
        self._parts: dict[str, str] | None = None

    def wants(self, path: str) -> bool:
        return self.wanted is None or path in self.wanted

    def wants_under(self, folder: str) -> bool:
        """Whether some output under `folder` is wanted."""
        return self.wanted is None or any(path.startswith(folder) for path in self.wanted)

    @property
    def tags(self) -> dict[str, dict[str, tuple[Entry, ...]]]:
        """Locale -> SitePlan.tags(), made on first use."""
        if self._tags is None:
            self._tags = {code: self._site.tags(code) for code in self._site.config.locales}
        return self._tags

    def entry(self, lang: str, entry_id: str) -> str:
        """The digest of an entry's signature."""
        if self.wanted is None:
            self._pending.append(f"{lang}/{entry_id}")
        return self._entries[lang][entry_id]

    def print_of(self, article_id: str) -> str | None:
        """The digest of an article's source fingerprint (None when it has none)."""
        if self.wanted is None:
            self._pending.append(f"print/{article_id}")
        return self._prints.get(article_id)

    def words_of(self, entry: Entry) -> str:
        """What an entry's search words are made from (its article's title, summary and body): its file's text digest,
        else a digest of those three (an article whose file the validation did not read)."""
        return self._texts.get(entry.article.path, ("",))[0] or f"w:{search.weights_key(entry)}"

    def of(self, lang: str, entry_id: str, kind: str, data: Callable[[], Any], *extra: Hashable) -> str:
        """The digest of `data()`, a part made from the entry's signature and `extra`."""
        return self.keys.value(kind, (self.entry(lang, entry_id), *extra), lambda: key(data()))

    def listed(self, path: str, kind: str, pairs: list[tuple[str, Entry]], data: Callable[[str, Entry], Any]) -> list[str]:
        """The digests of the `kind` parts of `pairs` ((locale, entry)) for the output at `path`, `data(lang, entry)` each part's
        data: as `of` gives them, except that an entry whose signature is the one at its place in the last build's list has
        the part it had there, not looked up (a part is made from its entry's signature alone, under the same scope)."""
        digests = [self.entry(lang, e.id) for lang, e in pairs]
        last_digests, last_made = self._last_lists.get(path, ([], []))
        if len(last_digests) != len(digests):
            last_digests, last_made = [""] * len(digests), [""] * len(digests)
        made = [
            was if digest == old else self.keys.value(kind, (digest,), partial(_made_key, data, lang, e))
            for digest, old, was, (lang, e) in zip(digests, last_digests, last_made, pairs, strict=True)
        ]
        self.lists[path] = (digests, made)
        return made

    def take(self, output: Output) -> Output:
        """`output`, recorded as made from the parts read since the last output taken."""
        for name in self._pending:
            self.uses.setdefault(name, []).append(output.path)
        self._pending = []
        return output

    def parts(self) -> dict[str, str]:
        """Every part's digest, by name."""
        if self._parts is None:
            found = {f"{lang}/{entry_id}": digest for lang, entries in self._entries.items() for entry_id, digest in entries.items()}
            self._parts = found | {f"print/{article_id}": digest for article_id, digest in self._prints.items()}
        return self._parts


def _made_key(data: Callable[[str, Entry], Any], lang: str, entry: Entry) -> str:
    return key(data(lang, entry))


def reads_of(site: SitePlan, result: Validation, keys: Keys, since: Since | None) -> Reads:
    """The parts' digests: an entry or a fingerprint that is the last build's object (in this process) has its digest."""
    texts = result.records.files  # path -> (its text's digest, its record)
    last_parts: Mapping[str, str] = {}
    last_entries: dict[tuple[str, str], Entry] = {}
    last_prints: Mapping[str, Fingerprint] = {}
    if since is not None and since.site is not None and since.fingerprints is not None:
        last_parts, last_prints = since.map.parts, since.fingerprints
        last_entries = {(e.lang, e.id): e for listed in since.site.entries.values() for e in listed}
    entries = {}
    for lang in site.config.locales:
        entries[lang] = {
            e.id: last_parts[f"{lang}/{e.id}"] if last_entries.get((lang, e.id)) is e else entry_digest(keys, e, texts)
            for e in site.entries[lang]
        }
    prints = {  # a fingerprint's digest is cheaper to make than to look up by the fingerprint (hashing every section's text)
        article_id: last_parts[f"print/{article_id}"] if last_prints.get(article_id) is found else found.digest
        for article_id, found in result.fingerprints.items()
    }
    lists = since.lists if since is not None and since.scope == keys.scope else {}
    return Reads(keys, entries, prints, site, lists, texts)


def entry_digest(keys: Keys, entry: Entry, texts: Mapping[str, tuple[str, Any]]) -> str:
    """The digest of an entry's signature (plain texts, numbers, truth values, None and tuples of them: its repr says it
    whole, and is made faster than its JSON)."""
    made_of = signature(entry, texts)
    return keys.value("entry", made_of, partial(_repr_digest, made_of))


def _repr_digest(value: tuple[Any, ...]) -> str:
    return text_digest(repr(value))
