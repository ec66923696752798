"""Checks of gettext catalogs, each a small function over one message: placeholders, %, plural forms, markup, bidi."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.catalogs import formats
from pipeline.catalogs.plurals import PluralForms, cldr_locale, plural_forms
from pipeline.catalogs.runtime import TAG
from pipeline.content import textcheck
from pipeline.diagnostics import Diagnostic

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog, Message

    from pipeline.catalogs.pofiles import PoFile

Finding = tuple[str, str]  # (code, message)

_NAMED = re.compile(r"%\((\w+)\)[#0\- +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[hlL]?[diouxXeEfFgGcrsa]")
_BRACE = re.compile(r"\{(\w+)(?:![rsa])?(?::[^{}]*)?\}")
_ELEMENT = re.compile(r"<\s*(script|iframe|object|embed|form)\b", re.IGNORECASE)
_HANDLER = re.compile(r"\s(on[a-z]+)\s*=", re.IGNORECASE)
_SCHEME = re.compile(r"(javascript|vbscript):", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\s\x00-\x1f]+")


@dataclass(frozen=True, slots=True)
class Rules:
    """What one catalog's messages are checked against."""

    nplurals: int  # as the catalog's header says
    plurals: PluralForms | None  # the rule readers get: CLDR's, else the header's; None when neither works
    forms: Mapping[int, tuple[int, ...]]  # msgid line -> msgstr[] indices as written
    single: frozenset[int]  # forms used for one number only, which may spell it out (he: "one", "two")
    flags: Mapping[int, frozenset[str]]  # msgid line -> its `#,` flags as written
    counted: bool = True  # False when the Plural-Forms header was refused: plural entries are not counted against it

    @classmethod
    def of(cls, po: PoFile, plurals: PluralForms | None) -> Rules:
        count = po.catalog.num_plurals if po.plurals_usable else 0
        single = frozenset(form for form in range(count) if plurals is not None and len(plurals.numbers(form, 2)) == 1)
        return cls(count, plurals, po.forms, single, po.flags, po.plurals_usable)


def check_catalog(po: PoFile, lang: str) -> list[Diagnostic]:
    """Every problem of one catalog: how it reads, its plural header, and each of its messages."""
    found = list(po.problems)
    if not po.decoded:
        return found
    locale = cldr_locale(lang)
    cldr = plural_forms(locale) if locale is not None else None
    if po.plurals_usable:
        found += _check_header(po, lang, cldr)
    rules = Rules.of(po, cldr or (_declared(po.catalog) if po.plurals_usable else None))
    for message in po.catalog:
        if message.id:
            found += [Diagnostic.make(code, po.path, message.lineno or 1, 1, text) for code, text in check_message(message, rules)]
    return found


def check_message(message: Message, rules: Rules) -> Iterator[Finding]:
    """Findings for one message; fuzzy and untranslated ones are only reported as such (they are not used)."""
    yield from plural_count(message, rules)
    if message.fuzzy:
        yield "catalog-fuzzy", f"{_name(message)} is marked fuzzy (not used until a translator reviews it and clears the flag)"
        return
    if not any(_strings(message)):
        yield "catalog-untranslated", f"{_name(message)} is not translated yet (readers see the English)"
        return
    for check in CHECKS:
        yield from check(message, rules)


def plural_count(message: Message, rules: Rules) -> Iterator[Finding]:
    """A plural entry needs exactly msgstr[0] to msgstr[nplurals-1]; a singular one none of them."""
    written = rules.forms.get(message.lineno or 0, ())
    if not rules.counted:
        return
    if message.pluralizable and sorted(written) != list(range(rules.nplurals)):
        shown = ", ".join(f"msgstr[{i}]" for i in written) or "a msgstr without an index"
        yield (
            "catalog-plural-forms",
            f"{_name(message)} has {shown}, but the catalog has {rules.nplurals} plural forms: write msgstr[0] to msgstr[{rules.nplurals - 1}]",
        )
    elif not message.pluralizable and written:
        yield "catalog-plural-forms", f"{_name(message)} has no msgid_plural, so it takes a plain msgstr, not msgstr[{written[0]}]"


def empty_forms(message: Message, rules: Rules) -> Iterator[Finding]:
    """A plural entry with some forms translated and others empty shows English for the numbers of the empty ones."""
    if not message.pluralizable:
        return
    for form, string in enumerate(_strings(message)):
        if not string:
            numbers = ", ".join(map(str, rules.plurals.numbers(form))) if rules.plurals else ""
            which = f" (n = {numbers}, …)" if numbers else ""
            yield (
                "catalog-plural-forms",
                f"{_name(message)}: msgstr[{form}] is empty, so readers see English for its numbers{which}; translate every form",
            )


def placeholders(message: Message, rules: Rules) -> Iterator[Finding]:
    """Each translation's directives against its msgid's, for the formats the entry is formatted with (its flags, as msgfmt)."""
    for kind, parse in _formats(message, rules):
        ids = [parse(text) for text in _ids(message)]
        if any(parsed.error for parsed in ids):
            if used_in_templates(message):  # the template formats the English too, so it fails as well
                yield from ((parsed.code, f"{_name(message)}: msgid {parsed.error}") for parsed in ids if parsed.error)
            continue  # msgfmt checks a translation only against a valid msgid
        for form, string in enumerate(_strings(message)):
            if not string:
                continue
            label, parsed = _label(message, form), parse(string)
            if parsed.error:
                yield parsed.code, f"{_name(message)}: {label} is not a valid {kind} string: {parsed.error}"
                continue
            reference = ids[0] if form == 0 and rules.nplurals > 1 or len(ids) == 1 else ids[-1]
            may_omit = message.pluralizable and form in rules.single
            for code, text in formats.compare(reference, parsed, may_omit=may_omit):
                yield code, f"{_name(message)}: {label} {text}"


def newlines(message: Message, rules: Rules) -> Iterator[Finding]:
    """A msgid and its translations all begin with a newline or none does, and the same for the end (msgfmt -c)."""
    ids = _ids(message)
    texts = [("msgid_plural", text) for text in ids[1:]] + [(_label(message, i), s) for i, s in enumerate(_strings(message)) if s]
    for edge, test in (("begin", str.startswith), ("end", str.endswith)):
        for label, string in texts:
            if test(string, "\n") != test(ids[0], "\n"):
                yield "catalog-newline", f"{_name(message)}: the msgid and {label} do not both {edge} with a newline (\\n)"


def markup(message: Message, rules: Rules) -> Iterator[Finding]:
    """A translation carries exactly the msgid's tags (any other markup in it reaches the page escaped, as text)."""
    for form, string in enumerate(_strings(message)):
        if not string:
            continue
        theirs, ours = _tags(_reference(message, form, rules)), _tags(string)
        if Counter(theirs) != Counter(ours):
            lacks, adds = _list(_unmatched(theirs, ours)), _list(_unmatched(ours, theirs))
            details = "; ".join(part for part in (f"lacks {lacks}" if lacks else "", f"adds {adds}" if adds else "") if part)
            yield "catalog-markup", f"{_name(message)}: {_label(message, form)} {details}; keep the msgid's HTML tags as they are"


def unsafe(message: Message, rules: Rules) -> Iterator[Finding]:
    """Markup that can run code has no place in a translation: it would run in every reader's browser."""
    for form, string in enumerate(_strings(message)):
        for what in dict.fromkeys(_unsafe(string)):
            yield "catalog-unsafe", f"{_name(message)}: {_label(message, form)} has {what}; remove it"


def text(message: Message, rules: Rules) -> Iterator[Finding]:
    """Translations in Unicode NFC, without bidi overrides or unbalanced embeddings (Trojan Source)."""
    for form, string in enumerate(_strings(message)):
        for problem in textcheck.check(string):
            yield problem.code, f"{_name(message)}: {_label(message, form)}: {problem.message}"


CHECKS: tuple[Callable[[Message, Rules], Iterator[Finding]], ...] = (empty_forms, placeholders, newlines, markup, unsafe, text)


def outdated_template(pot: PoFile | None, fresh: Catalog, rel: str) -> list[Diagnostic]:
    """The template against a fresh extraction: strings added, removed or with a changed plural since the last extract."""
    if pot is None:
        return (
            [Diagnostic.make("catalog-outdated", rel, 1, 1, "does not exist; run `pipeline i18n extract` to create it")]
            if len(fresh)
            else []
        )
    return _compare(pot.catalog, fresh, rel, source="the templates and code", target=rel, fix="run `pipeline i18n extract`")


def outdated_catalog(po: PoFile, template: Catalog, template_rel: str) -> list[Diagnostic]:
    """A catalog against the template: strings it lacks, or no longer needs, until `pipeline i18n update`."""
    fix = "run `pipeline i18n update` (a translation no longer needed is kept as obsolete)"
    return _compare(po.catalog, template, po.path, source=template_rel, target="this catalog", fix=fix)


def _compare(old: Catalog, new: Catalog, rel: str, *, source: str, target: str, fix: str) -> list[Diagnostic]:
    """Messages by msgid and context: those only in `new` are reported on line 1, the others on their own line."""
    before, after = _keyed(old), _keyed(new)
    found = [
        Diagnostic.make(
            "catalog-outdated", rel, 1, 1, f"{_name(after[key])} ({_where(after[key])}) is in {source} but not in {target}; {fix}"
        )
        for key in sorted(after.keys() - before.keys(), key=str)
    ]
    for key in sorted(before.keys() - after.keys(), key=str):
        found.append(
            Diagnostic.make("catalog-outdated", rel, before[key].lineno or 1, 1, f"{_name(before[key])} is no longer in {source}; {fix}")
        )
    for key in sorted(before.keys() & after.keys(), key=str):
        plural = _plural_of(after[key])
        if _plural_of(before[key]) != plural:
            now = f"the plural '{plural}'" if plural else "no plural"
            found.append(
                Diagnostic.make("catalog-outdated", rel, before[key].lineno or 1, 1, f"{_name(before[key])} has {now} in {source}; {fix}")
            )
    return found


def _check_header(po: PoFile, lang: str, cldr: PluralForms | None) -> list[Diagnostic]:
    line = po.plural_line or 1
    if cldr is None:
        return [
            Diagnostic.make(
                "catalog-plural-header", po.path, line, 1, f"'{lang}' is not a language CLDR knows, so its plural forms cannot be checked"
            )
        ]
    if po.plural_line is None:
        text = f"there is no Plural-Forms header; CLDR's rule for '{lang}' is '{cldr.header}' (run `pipeline i18n update`)"
        return [Diagnostic.make("catalog-plural-header", po.path, line, 1, text)]
    if not cldr.agrees(po.catalog.num_plurals, po.catalog.plural_expr):
        text = f"Plural-Forms is '{po.catalog.plural_forms}' but CLDR's rule for '{lang}' is '{cldr.header}'; run `pipeline i18n update`, then review the plural entries"
        return [Diagnostic.make("catalog-plural-header", po.path, line, 1, text)]
    return []


def _declared(catalog: Catalog) -> PluralForms | None:
    forms = PluralForms(catalog.num_plurals, catalog.plural_expr)
    try:
        forms.index()
    except (ValueError, SyntaxError):
        return None
    return forms


def _formats(message: Message, rules: Rules) -> list[tuple[str, Callable[[str], formats.Parsed]]]:
    """The formats applied to an entry, as gettext reads its flags; templates always %-format (newstyle gettext).

    With no `*-format` flag at all, a msgid's own %(name)s or {name} placeholders say how it is used.
    Another language's format (c-format, javascript-format, …) is left alone.
    """
    flags = rules.flags.get(message.lineno or 0, frozenset())
    declared = {flag for flag in flags if flag.endswith("-format")}
    shown = any(path.endswith(".html") for path, _ in message.locations)  # Jinja formats whatever the flags say
    unplaced = not message.locations and "no-python-format" not in declared  # a site catalog's own string, for its templates
    python = "python-format" in declared or shown or unplaced
    python = python or (not declared and any(_NAMED.search(text) for text in _ids(message)))
    braces = "python-brace-format" in declared or (not declared and any(_BRACE.search(text) for text in _ids(message)))
    found: list[tuple[str, Callable[[str], formats.Parsed]]] = [("Python format", formats.python)] if python else []
    return found + [("Python brace format", formats.brace)] if braces else found


def used_in_templates(message: Message) -> bool:
    """Whether the string is shown by a template (or has no references: a site catalog's own), where Jinja always %-formats it."""
    return not message.locations or any(path.endswith(".html") for path, _ in message.locations)


def _tags(text: str) -> list[str]:
    return [" ".join(tag.split()) for tag in TAG.findall(text)]


def _unsafe(text: str) -> list[str]:
    """Elements, event handlers and URL schemes that run code; schemes also when hidden by entities or spaces."""
    found = [f"a <{m.group(1).lower()}> element" for m in _ELEMENT.finditer(text)]
    found += [f"an event handler attribute ({m.group(1).lower()}=)" for m in _HANDLER.finditer(text)]  # in a tag, or breaking out of one
    for tag in TAG.findall(text):
        found += [f"a {m.group(1).lower()}: URL" for m in _SCHEME.finditer(_INVISIBLE.sub("", html.unescape(tag)))]
    return found


def _unmatched(items: list[str], others: list[str]) -> list[str]:
    """The items with no counterpart in `others`, in their order."""
    left = Counter(others)
    unmatched = []
    for item in items:
        if left[item]:
            left[item] -= 1
        else:
            unmatched.append(item)
    return unmatched


def _reference(message: Message, form: int, rules: Rules) -> str:
    """What a translation is compared with: the msgid, or for plural forms after the first, the msgid_plural."""
    ids = _ids(message)
    return ids[0] if form == 0 and rules.nplurals > 1 else ids[-1]


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (tuple, list)) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, (list, tuple)):
        return tuple(s or "" for s in message.string)
    return (message.string or "",)


def _keyed(catalog: Catalog) -> dict[tuple[str, str | None], Message]:
    return {(_ids(m)[0], m.context): m for m in catalog if m.id}


def _plural_of(message: Message) -> str | None:
    return message.id[1] if message.pluralizable else None


def _name(message: Message) -> str:
    msgid = _ids(message)[0]
    shown = msgid if len(msgid) <= 60 else msgid[:57] + "…"
    return f"'{shown}'" + (f" (context '{message.context}')" if message.context else "")


def _where(message: Message) -> str:
    path, line = message.locations[0] if message.locations else ("?", None)
    return f"{path}:{line}" if line else path


def _label(message: Message, form: int) -> str:
    return f"msgstr[{form}]" if message.pluralizable else "msgstr"


def _list(items: Iterable[object]) -> str:
    return ", ".join(str(item) for item in items)
