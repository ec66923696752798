"""The validation memo: each unit of cross-file work's key and plain result, persisted as plain data; and what this process keeps besides."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

from pipeline.content.perfile import Studied
from pipeline.content.sources import Seen
from pipeline.memo.plain import Unusable, key

VERSION = 2  # of the plain form; another is not read
T = TypeVar("T")
Unit = tuple[str, Any]  # what a result is made from (a key), and the result


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a validate's checks across files were made from, as a whole: a key of the rules and the site, every file's path and text digest."""

    site: str
    paths: tuple[str, ...]
    digests: Mapping[str, str]

    def changed(self, site: str, paths: tuple[str, ...], digests: Mapping[str, str]) -> frozenset[str] | None:
        """The paths whose text changed since, when the site and the set of paths are the same; else None."""
        if site != self.site or paths != self.paths:
            return None
        return frozenset(path for path in paths if digests.get(path) != self.digests.get(path))


def _empty() -> Mapping[Any, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Memo:
    """What a validate of the site at `root` worked out, for the next one.

    `units` is plain data (what `to_plain` gives the build cache); the rest is this process's only: the
    same results as objects, what discover saw, and each file's study by (path, text digest) under `rules`.
    """

    root: str = ""
    rules: str = ""
    units: Mapping[str, Unit] = field(default_factory=_empty)  # unit name -> (key, plain result)
    objects: Mapping[str, Unit] = field(default_factory=_empty)  # unit name -> (key, result)
    seen: Seen = field(default_factory=_empty)
    studied: Mapping[tuple[str, str], Studied] = field(default_factory=_empty)
    redone: int = 0  # how many units the validate that made this memo worked out (it recalled the others)
    inputs: Inputs | None = None  # lets the next validate carry every unit of an unchanged file across (kept in the plain form too)
    carried: bool = False  # whether the validate that made this memo carried the last one's units across (a delta validate)

    def of(self, root: str) -> Memo:
        """This memo when it is of the site at `root`, else an empty one."""
        return self if self.root == root else Memo(root)


def to_plain(memo: Memo) -> dict[str, Any]:
    """The part of `memo` another process can use, as builtins only (dicts, tuples, str, int, None).

    With its inputs and rules, so that the next process's validate takes the delta path (Ledger.carry) as serve's does.
    The inputs' text digests are not kept twice: the build cache holds them in each file's record, so only a digest
    of them all is (`from_plain` takes them from the records and checks them against it)."""
    inputs = memo.inputs
    plain_inputs = None if inputs is None else (inputs.site, inputs.paths, _check(inputs.paths, inputs.digests))
    return {"version": VERSION, "root": memo.root, "units": dict(memo.units), "rules": memo.rules, "inputs": plain_inputs}


def from_plain(data: Any, digests: Mapping[str, str] | None = None) -> Memo:
    """The memo `to_plain` gave (tuples may have come back as lists); an empty one for anything else.

    `digests` are the text digests the cache kept beside it (path -> digest, from the files' records): its inputs are
    taken only if they are the ones its validate saw, else the next validate recalls every unit by its key."""
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("root"), str):
        return Memo()
    units = data.get("units")
    if not isinstance(units, dict):
        return Memo(data["root"])
    kept = {
        name: (unit[0], unit[1])
        for name, unit in units.items()
        if isinstance(name, str) and isinstance(unit, (tuple, list)) and len(unit) == 2 and isinstance(unit[0], str)
    }
    rules = data.get("rules")
    inputs = _inputs_from(data.get("inputs"), digests or {})
    return Memo(data["root"], rules if isinstance(rules, str) else "", MappingProxyType(kept), inputs=inputs)


def _check(paths: tuple[str, ...], digests: Mapping[str, str]) -> str:
    """One digest of every path's text digest, in order (a path without one counts as empty)."""
    return key(*(f"{path}\0{digests.get(path, '')}" for path in paths))


def _inputs_from(plain: Any, digests: Mapping[str, str]) -> Inputs | None:
    """The Inputs `to_plain` kept, with `digests` for its paths when they are the ones it was made from; None for anything else
    (a part of the records that is missing, damaged or an earlier build's: the next validate then recalls every unit by its key)."""
    if not isinstance(plain, (tuple, list)) or len(plain) != 3:
        return None
    site, paths, check = plain
    if not isinstance(site, str) or not isinstance(paths, (tuple, list)) or not isinstance(check, str):
        return None
    if not all(isinstance(path, str) for path in paths) or _check(tuple(paths), digests) != check:
        return None
    return Inputs(site, tuple(paths), {path: digests.get(path, "") for path in paths})


class Ledger:
    """One validate's use of a memo: each unit's result looked up by its key (or worked out), and what the next memo holds."""

    def __init__(self, memo: Memo) -> None:
        self.memo = memo
        self.units: dict[str, Unit] = {}
        self.objects: dict[str, Unit] = {}
        self.redone = 0  # how many units were worked out (the rest were recalled)
        self.inputs: Inputs | None = None
        self.carried = False

    def carry(self) -> None:
        """Take every unit of the last memo as it is (a delta validate then redoes only those whose inputs changed)."""
        self.units.update(self.memo.units)
        self.objects.update(self.memo.objects)
        self.carried = True

    def held(self, name: str, back: Callable[[Any], Any] | None = None) -> Any:
        """The last memo's result of unit `name` as it is (no key is checked: the caller knows its inputs are the same):
        this process's object, else its plain form decoded by `back`; None when there is neither (or the plain form is unusable)."""
        unit = self.memo.objects.get(name)
        plain = self.memo.units.get(name)
        if plain is None:
            return None
        if unit is not None and plain[0] == unit[0]:
            return unit[1]
        if back is None:
            return None
        try:
            value = back(plain[1])
        except (Unusable, TypeError, ValueError):
            return None
        self.objects[name] = (plain[0], value)
        return value

    def recall(self, name: str, key: str, make: Callable[[], T], to: Callable[[T], Any], back: Callable[[Any], T]) -> T:
        """The result of unit `name` made from `key`: this process's, else the plain one (`back` decodes it), else `make()` (`to` encodes it)."""
        held = self.memo.objects.get(name)
        plain = self.memo.units.get(name)
        if held is not None and held[0] == key and plain is not None and plain[0] == key:
            value: T = held[1]
        else:
            try:
                if plain is None or plain[0] != key:
                    raise Unusable(name)
                value = back(plain[1])
            except (Unusable, TypeError, ValueError):  # none kept, made from something else, or plain data of another shape
                value = make()
                plain = (key, to(value))
                self.redone += 1
        self.units[name] = plain
        self.objects[name] = (key, value)
        return value

    def keep(self, name: str, key: str, value: Any, plain: Any, redone: bool = True) -> None:
        """Keep a result the caller worked out or recalled itself (its key depends on it) for the next memo."""
        self.units[name] = (key, plain)
        self.objects[name] = (key, value)
        self.redone += redone

    def done(self, rules: str, seen: Seen, studied: Mapping[tuple[str, str], Studied]) -> Memo:
        """The memo for the next validate: the units used by this one, and what it saw and studied."""
        return Memo(
            self.memo.root,
            rules,
            MappingProxyType(self.units),
            MappingProxyType(self.objects),
            MappingProxyType(dict(seen)),
            studied,
            self.redone,
            self.inputs,
            self.carried,
        )
