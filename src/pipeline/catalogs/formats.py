"""Python %-format and brace-format specifications in a string, parsed in one pass and compared as `msgfmt --check-format` does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_WIDTH = 100  # a larger width or precision in a translation is refused: %(n)999999999d would print a gigabyte

_PERCENT = re.compile(
    r"%(?:\((?P<name>[^()]*)\))?(?P<flags>[#0\- +]*)(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d*))?[hlL]?(?P<conv>.?)", re.DOTALL
)
_KINDS = {**dict.fromkeys("diouxX", "integer"), **dict.fromkeys("eEfFgG", "number"), "c": "character", **dict.fromkeys("sra", "any")}
_FIELD = re.compile(r"(?P<name>[^{}!:.\[]*)(?P<rest>[^{}!:]*)(?:!(?P<conv>[^{}:]?))?(?::(?P<spec>[^{}]*))?")
_SPEC_NUMBERS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Spec:
    """One directive: `%(name)d` has name 'name' and kind 'integer'; a positional `%s` has the name None."""

    name: str | None
    kind: str
    text: str  # as written


@dataclass(frozen=True, slots=True)
class Parsed:
    """The directives of a string, or the first reason it is not a valid format string."""

    specs: tuple[Spec, ...]
    error: str | None = None
    code: str = "catalog-format"  # or catalog-percent, for a % that starts no directive


def python(text: str) -> Parsed:
    """The %-directives of `text` as Python's `str % values` reads them; `%%` is a literal percent sign."""
    specs: list[Spec] = []
    index = text.find("%")
    while index != -1:
        match = _PERCENT.match(text, index)
        assert match is not None  # the pattern matches any "%"
        written, conv = match.group(0), match.group("conv")
        if conv == "%" and written == "%%":
            index = text.find("%", match.end())
            continue
        where = f"at character {index + 1}"
        if conv not in _KINDS:
            shown = written[:-1] if conv else written
            return Parsed(
                (),
                f"'{shown}' {where} starts no directive; write %(name)s, %(name)d … for a value, or '%%' for a percent sign",
                "catalog-percent",
            )
        name = match.group("name")
        if name is not None and "*" in (match.group("width") or "") + (match.group("precision") or ""):
            return Parsed((), f"'{written}' {where} takes its width from an argument, which a named directive cannot")
        if (bound := _too_wide((match.group("width") or "", match.group("precision") or ""))) is not None:
            return Parsed((), f"'{written}' {where} has a width or precision of {bound}; at most {MAX_WIDTH} is allowed")
        stars = ((match.group("width") or "") + (match.group("precision") or "")).count("*")
        specs += [Spec(None, "integer", written)] * stars  # `%*d` takes its width from an argument too
        specs.append(Spec(name, _KINDS[conv], written))
        index = text.find("%", match.end())
    if any(s.name is None for s in specs) and any(s.name is not None for s in specs):
        return Parsed((), "mixes named %(name)s and positional %s directives, which Python cannot format")
    return Parsed(tuple(specs))


def brace(text: str) -> Parsed:
    """The replacement fields of `text` as `str.format` reads them; `{{` and `}}` are literal braces."""
    specs: list[Spec] = []
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char == "}" and text.startswith("}}", index):
            index += 2
        elif char == "}":
            return Parsed((), f"a single '}}' at character {index + 1} (write '}}}}' for a brace)")
        elif char == "{" and text.startswith("{{", index):
            index += 2
        elif char == "{":
            end = text.find("}", index)
            inner = text[index + 1 : end] if end != -1 else ""
            match = _FIELD.fullmatch(inner)
            if end == -1 or "{" in inner or match is None:
                return Parsed((), f"the '{{' at character {index + 1} opens no replacement field (write '{{{{' for a brace)")
            if (bound := _too_wide(tuple(_SPEC_NUMBERS.findall(match.group("spec") or "")))) is not None:
                return Parsed((), f"'{text[index : end + 1]}' has a width or precision of {bound}; at most {MAX_WIDTH} is allowed")
            specs.append(Spec(match.group("name") + match.group("rest"), "any", text[index : end + 1]))  # {name.attr} is not {name}
            index = end + 1
        else:
            index += 1
    return Parsed(tuple(specs))


def compare(reference: Parsed, translation: Parsed, *, may_omit: bool) -> Iterator[tuple[str, str]]:
    """How a translation's directives differ from its msgid's; `may_omit` when its form is for one number only."""
    ours, theirs = reference.specs, translation.specs
    if ours and theirs and _named(ours) != _named(theirs):
        yield "catalog-format", f"uses {_style(theirs)} directives where the msgid uses {_style(ours)} ones"
        return
    if all(s.name is None for s in ours + theirs):
        yield from _positional(ours, theirs, may_omit)
        return
    wanted = {s.name: s for s in ours}
    for spec in theirs:
        if spec.name not in wanted:
            yield "catalog-placeholder", f"has {spec.text}, which the msgid does not; nothing fills it in"
        elif not _same_kind(wanted[spec.name], spec):
            yield "catalog-format", f"has {spec.text} where the msgid has {wanted[spec.name].text}; keep the conversion"
    given = {s.name for s in theirs}
    if not may_omit:
        for name, spec in wanted.items():
            if name not in given:
                yield "catalog-placeholder", f"lacks {spec.text}; keep every placeholder of the msgid"


def _positional(ours: tuple[Spec, ...], theirs: tuple[Spec, ...], may_omit: bool) -> Iterator[tuple[str, str]]:
    if may_omit and not theirs:
        return
    if len(ours) != len(theirs):
        yield "catalog-placeholder", f"has {len(theirs)} positional directive(s) where the msgid has {len(ours)}; keep them all, in order"
        return
    for number, (mine, other) in enumerate(zip(ours, theirs), 1):
        if not _same_kind(mine, other):
            yield "catalog-format", f"has {other.text} as directive {number} where the msgid has {mine.text}; keep the conversion"


def _same_kind(one: Spec, other: Spec) -> bool:
    return one.kind == other.kind


def _named(specs: tuple[Spec, ...]) -> bool:
    return all(s.name is not None for s in specs)


def _style(specs: tuple[Spec, ...]) -> str:
    return "named" if _named(specs) else "positional"


def _too_wide(numbers: tuple[str, ...]) -> str | None:
    """The first width or precision above MAX_WIDTH, compared on its digits so a huge one is never converted."""
    for digits in numbers:
        digits = digits.lstrip("0")
        if digits and digits != "*" and (len(digits) > 3 or int(digits) > MAX_WIDTH):
            return digits if len(digits) <= 12 else digits[:12] + "…"
    return None
