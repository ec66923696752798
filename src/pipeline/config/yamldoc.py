"""YAML text to plain data with the source line of every key, loaded safely and bounded."""

from __future__ import annotations

import marshal
from collections.abc import ItemsView, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import yaml

# PyYAML's C loader is ~9x faster; the pure one is the fallback where libyaml is missing.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 32
MAX_NODES = 20_000

Path = tuple[str | int, ...]


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """The safe loader, except that dates stay text so the schema checks their format.

    While `bounded`, composing stops (`_Bounded`) at a node that could be past MAX_DEPTH or MAX_NODES (`descend_resolver`
    is called before each node is composed); the exact check (`_check_events`) then says whether it is."""

    yaml_implicit_resolvers: ClassVar[dict] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _Base.yaml_implicit_resolvers.items()
    }
    bounded = True
    _nodes = 0
    _depth = 0

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        self._nodes += 1
        self._depth += 1
        # Events: a scalar is one, a collection two, and the stream and the document two each (no alias: see _composed).
        if self.bounded and (self._depth > MAX_DEPTH or 2 * self._nodes + 4 > MAX_NODES):
            raise _Bounded
        super().descend_resolver(current_node, current_index)

    def ascend_resolver(self) -> None:
        self._depth -= 1
        super().ascend_resolver()


class _Unbounded(_Loader):
    """The loader for a document the exact check passed: composed whole."""

    bounded = False


class _Bounded(Exception):
    """Composing went where the document could be past a bound."""


class Packed(Mapping[Path, tuple[int, int]]):
    """A YamlDoc's positions as the build cache keeps them (marshal bytes), decoded when first read.

    A build loads every unchanged file's front matter from the cache, but reads the positions of few (an edited
    file's checks, a diagnostic's place): decoding them all took ~15 ms of a one-edit build at 1,000 pairs. Going
    through them all (a translation's structure check, once a translation) decodes them without keeping them: kept,
    they took ~10 times the bytes of every translation's front matter for the rest of a build."""

    __slots__ = ("_packed", "_positions")

    def __init__(self, packed: bytes) -> None:
        self._packed = packed
        self._positions: dict[Path, tuple[int, int]] | None = None

    @staticmethod
    def pack(positions: Mapping[Path, tuple[int, int]]) -> bytes:
        """What `Packed` is made from: builtins only (tuples of str, int), as marshal writes them."""
        return marshal.dumps(tuple(positions.items()))

    def _decoded(self) -> dict[Path, tuple[int, int]]:
        if self._positions is None:
            self._positions = dict(marshal.loads(self._packed))  # our own bytes, in a payload whose seal was checked
        return self._positions

    def __getitem__(self, key: Path) -> tuple[int, int]:
        return self._decoded()[key]

    def _read(self) -> dict[Path, tuple[int, int]]:
        """The positions, decoded for one pass over them unless they are kept already."""
        return self._positions if self._positions is not None else dict(marshal.loads(self._packed))

    def __iter__(self) -> Iterator[Path]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())

    def items(self) -> ItemsView[Path, tuple[int, int]]:
        return self._read().items()


@dataclass(frozen=True, slots=True)
class YamlProblem:
    """Something wrong in the YAML, at a 1-based line and column of the file."""

    code: str
    line: int
    column: int
    message: str


@dataclass(frozen=True, slots=True)
class YamlDoc:
    """The loaded value, where each key and item stands, and what was wrong."""

    data: Any
    lines: Mapping[Path, tuple[int, int]] = field(default_factory=dict)  # where each key or item starts
    problems: tuple[YamlProblem, ...] = ()
    values: Mapping[Path, tuple[int, int]] = field(default_factory=dict)  # where each value starts

    def where(self, path: Path) -> tuple[int, int]:
        """The line and column of the nearest key on `path` that has one."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return self.lines.get((), (1, 1))

    def where_value(self, path: Path) -> tuple[int, int]:
        """The line and column of the value at `path`, else of its nearest key."""
        return self.values.get(path) or self.where(path)


def load(text: str, first_line: int = 1) -> YamlDoc:
    """Load one YAML document; `first_line` is the file line the text starts on."""
    offset = first_line - 1
    try:
        loader, node = _composed(text, offset)
        try:
            problems: list[YamlProblem] = []
            lines: dict[Path, tuple[int, int]] = {}
            values: dict[Path, tuple[int, int]] = {}
            if node is not None:
                lines[()] = _pos(node, offset)
                _walk(node, (), offset, (lines, values), problems)
            data = _constructed(loader, node, offset) if node is not None else None
            if any(problem.code != "yaml-duplicate-key" for problem in problems):
                data = None  # a non-text key: the value cannot be checked as intended
        finally:
            loader.dispose()
    except _Rejected as rejected:
        return YamlDoc(None, {}, (rejected.problem,))
    except yaml.MarkedYAMLError as exc:
        return YamlDoc(None, {}, (_from_marked(exc, text, offset),))
    except yaml.YAMLError as exc:  # unmarked: reader errors on odd characters
        return YamlDoc(None, {}, (YamlProblem("yaml-syntax", first_line, 1, str(exc)),))
    return YamlDoc(data, lines, tuple(problems), values)


class _Rejected(Exception):
    def __init__(self, problem: YamlProblem) -> None:
        self.problem = problem


def _check_events(text: str, offset: int) -> None:
    """Reject aliases, deep nesting and huge documents before anything is built."""
    depth = 0
    for nodes, event in enumerate(yaml.parse(text, Loader=_Loader), 1):
        if isinstance(event, yaml.AliasEvent):
            raise _Rejected(_at(event, offset, "yaml-alias", f"alias *{event.anchor} is not allowed here; write the value out"))
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Rejected(_at(event, offset, "yaml-syntax", f"nesting deeper than {MAX_DEPTH} levels"))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        if nodes > MAX_NODES:
            raise _Rejected(_at(event, offset, "yaml-syntax", f"more than {MAX_NODES} YAML nodes"))


def _at(event: yaml.Event, offset: int, code: str, message: str) -> YamlProblem:
    mark = event.start_mark
    return YamlProblem(code, (mark.line if mark else 0) + 1 + offset, (mark.column if mark else 0) + 1, message)


def _composed(text: str, offset: int) -> tuple[_Loader, yaml.Node | None]:
    """The document's node tree, composed once the document is known to be within bounds and free of aliases.

    Text without an anchor or alias (`&`, `*`) and without a document marker (`---`, `...`) is composed at once,
    within bounds (`_Loader.bounded`): what composing would find wrong there is found first by the exact check too, at
    the same place. Other text, or text composing stopped in, is checked event by event first, as it always was."""
    if not any(sign in text for sign in ("*", "&", "---", "...")):
        loader = _Loader(text)
        try:
            return loader, loader.get_single_node()
        except _Bounded:
            loader.dispose()
        except BaseException:
            loader.dispose()
            raise
    _check_events(text, offset)
    loader = _Unbounded(text)
    try:
        return loader, loader.get_single_node()
    except BaseException:
        loader.dispose()
        raise


def _constructed(loader: _Loader, node: yaml.Node, offset: int) -> Any:
    """The node tree as data; a value its tag cannot be read as (`!!int` with no digits) is a problem where it stands."""
    try:
        return loader.construct_document(node)
    except (ValueError, IndexError, TypeError, OverflowError) as exc:  # PyYAML's constructors raise these on such values
        failed = _first_unreadable(node)
        line, column = _pos(failed, offset)
        tag = str(failed.tag).replace("tag:yaml.org,2002:", "!!")
        raise _Rejected(YamlProblem("yaml-syntax", line, column, f"{tag} {failed.value!r} is not a value of that type")) from exc


def _first_unreadable(node: yaml.Node) -> yaml.Node:
    """The first scalar (in document order) the safe loader cannot construct on its own; else `node`."""
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, yaml.ScalarNode):
            try:
                _Loader("").construct_object(current)
            except (ValueError, IndexError, TypeError, OverflowError, yaml.YAMLError):
                return current
        elif isinstance(current, yaml.MappingNode):
            pending += [part for pair in reversed(current.value) for part in reversed(pair)]
        elif isinstance(current, yaml.SequenceNode):
            pending += reversed(current.value)
    return node


def _pos(node: yaml.Node, offset: int) -> tuple[int, int]:
    mark = node.start_mark
    return (mark.line if mark else 0) + 1 + offset, (mark.column if mark else 0) + 1


def _walk(node: yaml.Node, path: Path, offset: int, maps: tuple[dict, dict], problems: list[YamlProblem]) -> None:
    """Record where every key, item and value stands; report duplicate and non-text keys."""
    lines, values = maps
    values[path] = _pos(node, offset)
    kind = type(node)
    if kind is yaml.MappingNode:
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line, col = _pos(key_node, offset)
            if type(key_node) is not yaml.ScalarNode or key_node.tag != "tag:yaml.org,2002:str":
                problems.append(YamlProblem("yaml-syntax", line, col, f"key {key_node.value!r} must be text"))
                continue
            key = key_node.value
            if key in seen:
                problems.append(YamlProblem("yaml-duplicate-key", line, col, f"key '{key}' is already set on line {seen[key]}"))
            seen[key] = line
            lines[path + (key,)] = (line, col)
            _walk(value_node, path + (key,), offset, maps, problems)
    elif kind is yaml.SequenceNode:
        for index, item in enumerate(node.value):
            lines[path + (index,)] = _pos(item, offset)
            _walk(item, path + (index,), offset, maps, problems)


def _from_marked(exc: yaml.MarkedYAMLError, text: str, offset: int) -> YamlProblem:
    """A PyYAML error as a problem, with a hint where the usual cause is known."""
    mark = exc.problem_mark or exc.context_mark
    row, column = (mark.line, mark.column) if mark else (0, 0)
    problem = exc.problem or "invalid YAML"
    source_lines = text.splitlines()
    source = source_lines[row] if row < len(source_lines) else ""
    if isinstance(exc, yaml.constructor.ConstructorError) and "constructor for the tag" in problem:
        tag = problem.split("'")[1] if "'" in problem else "?"
        problem = f"YAML tag {tag.replace('tag:yaml.org,2002:', '!!')} is not allowed (only plain values)"
    elif source[column : column + 1] == "\t":
        problem = "a tab character; YAML indents with spaces only"
    elif "mapping values are not allowed" in problem:
        problem = "a ': ' inside a value; put the value in quotes"
    elif exc.context and exc.context not in problem:
        problem = f"{problem} ({exc.context}"
        start = exc.context_mark
        problem += f" that starts on line {start.line + 1 + offset})" if start and start.line != row else ")"
    return YamlProblem("yaml-syntax", row + 1 + offset, column + 1, problem)


def load_foreign(text: str, first_line: int = 1) -> YamlDoc:
    """Load another tool's YAML (Hugo's), whose keys may be numbers (`404:`): the same bounds, aliases refused, keys kept as text."""
    doc = load(text, first_line)
    if doc.data is not None or not doc.problems or any("must be text" not in p.message for p in doc.problems):
        return doc
    return YamlDoc(_text_keys(yaml.load(text, Loader=_Unbounded)), doc.lines, (), doc.values)


def _text_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _text_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_text_keys(item) for item in value]
    return value
