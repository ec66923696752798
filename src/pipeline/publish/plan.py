"""A build's manifest against what a target has live: added, changed, deleted, per locale, bytes to send."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.publish.targets.base import FileEntry, Manifest

ADDED, CHANGED, DELETED = "added", "changed", "deleted"


@dataclass(frozen=True, slots=True)
class Change:
    path: str
    kind: str  # added, changed or deleted
    size: int  # bytes to send (0 for a deletion)


@dataclass(frozen=True, slots=True)
class Held:
    """An article a gate kept out of this publish, and why."""

    lang: str
    id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    """What a publish will change on its target."""

    changes: tuple[Change, ...]
    unchanged: int
    live_files: int
    held: tuple[Held, ...] = ()

    @property
    def bytes_to_send(self) -> int:
        return sum(c.size for c in self.changes)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    def by_group(self, locales: tuple[str, ...]) -> dict[str, dict[str, int]]:
        """Changes per locale ("he": its pages, feed and API files) and "shared" for the rest."""
        counts: dict[str, Counter[str]] = {}
        for change in self.changes:
            counts.setdefault(group_of(change.path, locales), Counter())[change.kind] += 1
        return {group: {kind: c[kind] for kind in (ADDED, CHANGED, DELETED)} for group, c in sorted(counts.items())}

    @property
    def delete_share(self) -> float:
        """The part of the live site this plan deletes."""
        return self.count(DELETED) / self.live_files if self.live_files else 0.0


def diff(new: Mapping[str, FileEntry], live: Manifest, held: tuple[Held, ...] = ()) -> Plan:
    """The plan that turns `live` into `new`."""
    changes = []
    for path, entry in new.items():
        old = live.get(path)
        if old is None:
            changes.append(Change(path, ADDED, entry.size))
        elif old.sha1 != entry.sha1:
            changes.append(Change(path, CHANGED, entry.size))
    changes += [Change(path, DELETED, 0) for path in live if path not in new]
    unchanged = sum(1 for path, entry in new.items() if path in live and live[path].sha1 == entry.sha1)
    return Plan(tuple(sorted(changes, key=lambda c: c.path)), unchanged, len(live), held)


def group_of(path: str, locales: tuple[str, ...]) -> str:
    parts = path.split("/")
    if parts[0] in locales:
        return parts[0]
    if parts[0] == "api" and len(parts) > 2 and parts[1] in locales:
        return parts[1]
    return "shared"
