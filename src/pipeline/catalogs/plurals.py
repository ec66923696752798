"""A language's gettext plural forms, from CLDR's rules for whole numbers (Babel's locale data); no PO file is read here."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError

_CLDR_TAGS = ("zero", "one", "two", "few", "many")  # gettext's form order; "other" is always last
SAMPLE = (*range(1001), 10_000, 100_000, 1_000_000, 1_000_001, 2_000_000)  # whole numbers to compare plural rules on


@dataclass(frozen=True, slots=True)
class PluralForms:
    """A language's gettext plural rule, derived from its CLDR rules for whole numbers."""

    count: int
    expression: str  # C syntax, as gettext's Plural-Forms header has it

    @property
    def header(self) -> str:
        return f"nplurals={self.count}; plural={self.expression};"

    def index(self) -> Callable[[int], int]:
        """The form to use for a number n."""
        return gettext.c2py(self.expression)

    def agrees(self, count: int, expression: str) -> bool:
        """Whether a header's nplurals and plural expression pick the same forms as this rule, for whole numbers."""
        try:
            theirs = gettext.c2py(expression)
        except (ValueError, SyntaxError):
            return False
        ours = self.index()
        return count == self.count and all(theirs(n) == ours(n) for n in SAMPLE)

    def numbers(self, form: int, limit: int = 3) -> list[int]:
        """The first few numbers that take `form`."""
        index = self.index()
        return [n for n in SAMPLE if index(n) == form][:limit]


def cldr_locale(lang: str) -> Locale | None:
    """The CLDR locale of a language code such as `he` or `pt-BR`, or None when CLDR does not know it."""
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


def plural_forms(locale: Locale) -> PluralForms:
    """CLDR's plural categories for whole numbers as gettext forms, in CLDR order: he gives one / two / other."""
    conditions = {tag: _fold(node) for tag, node in locale.plural_form.abstract}
    reachable = [tag for tag in _CLDR_TAGS if conditions.get(tag, False) is not False]  # e.g. Czech "many" is for decimals only
    if not reachable:
        return PluralForms(1, "0")
    chain = "".join(f"{conditions[tag]} ? {index} : " for index, tag in enumerate(reachable))
    return PluralForms(len(reachable) + 1, f"({chain}{len(reachable)})")


def _fold(node: tuple[str, Any]) -> Any:
    """A CLDR rule node as C for a whole number n (so i is n, and v, w, f, t, c, e are 0), folding constants."""
    op, args = node
    if op in ("n", "i"):
        return "n"
    if op in ("v", "w", "f", "t", "c", "e"):
        return 0
    if op == "value":
        return args[0]
    if op == "mod":
        left, right = _fold(args[0]), _fold(args[1])
        return left % right if isinstance(left, int) else f"{left}%{right}"
    if op == "not":
        inner = _fold(args[0])
        return (not inner) if isinstance(inner, bool) else f"!({inner})"
    if op in ("and", "or"):
        return _junction(op, _fold(args[0]), _fold(args[1]))
    if op == "relation":
        _method, expr, (_, ranges) = args
        return _relation(_fold(expr), [(_fold(low), _fold(high)) for low, high in ranges])
    raise ValueError(f"unknown CLDR plural rule node {op!r}")


def _junction(op: str, left: Any, right: Any) -> Any:
    absorbing = op == "or"  # true absorbs an "or", false absorbs an "and"
    for this, other in ((left, right), (right, left)):
        if isinstance(this, bool):
            return absorbing if this is absorbing else other
    return f"{_group(left)} {'||' if absorbing else '&&'} {_group(right)}"


def _relation(expr: Any, ranges: list[tuple[int, int]]) -> Any:
    if isinstance(expr, int):
        return any(low <= expr <= high for low, high in ranges)
    parts = [f"{expr}=={low}" if low == high else f"{expr}>={low} && {expr}<={high}" for low, high in ranges]
    return parts[0] if len(parts) == 1 else " || ".join(_group(part) for part in parts)


def _group(expr: str) -> str:
    return f"({expr})" if " " in expr else expr
