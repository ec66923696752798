"""Interface strings with literal arguments translated once, when a template is compiled, instead of on every page."""

from __future__ import annotations

import gettext
from collections.abc import Iterable

from jinja2 import Environment, TemplateSyntaxError, nodes
from jinja2.visitor import NodeTransformer

# The names the i18n extension installs; `_` resolves `gettext` when it is called, so a template that binds any of them
# anywhere (set, for, macro arguments, imports, keywords...) could change what any other template's calls mean.
GETTEXT_NAMES = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext"})


def foldable(env: Environment, sources: Iterable[tuple[str, str]]) -> bool:
    """Whether every template in `sources` (name, text) uses the gettext names only to call them: `_(`, never `_ =`.

    Tokens, not a parse: a name not followed by `(` is a binding or a use the folding would not see, and one after
    `macro` or `call` defines or calls a macro. A template that does not even tokenize is left to the compiler to
    report, and nothing is folded."""
    for name, source in sources:
        try:
            tokens = list(env.lexer.tokenize(source, name))
        except TemplateSyntaxError:
            return False
        for before, token, after in zip([None, *tokens], tokens, [*tokens[1:], None]):
            if token.type != "name" or token.value not in GETTEXT_NAMES:
                continue
            if after is None or after.type != "lparen" or (before is not None and before.test("name:macro")):
                return False
    return True


def fold(tree: nodes.Template, translations: gettext.NullTranslations) -> nodes.Template:
    """`tree` with each `_("…")`, `gettext("…")` and `pgettext("…", "…")` call on literal strings replaced by its
    translation, formatted as the newstyle gettext does at run time (`Markup(text) % variables` when autoescaping)."""
    folded = _Folder(translations).visit(tree)
    assert isinstance(folded, nodes.Template)
    return folded


class _Folder(NodeTransformer):
    """Replaces the calls it can translate now, inner ones (in a keyword's value) first."""

    def __init__(self, translations: gettext.NullTranslations) -> None:
        self.translations = translations

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        self.generic_visit(node)
        return _folded(node, self.translations) or node

    def visit_CallBlock(self, node: nodes.CallBlock) -> nodes.Node:
        """`{% call _("…") %}` passes `caller` to the call: its arguments and body are folded, the call itself is kept."""
        call = node.call
        self.generic_visit(node)
        node.call = call
        return node


def _folded(call: nodes.Call, translations: gettext.NullTranslations) -> nodes.Expr | None:
    if not isinstance(call.node, nodes.Name) or call.dyn_args is not None or call.dyn_kwargs is not None:
        return None
    literals = [arg.value for arg in call.args if isinstance(arg, nodes.Const) and isinstance(arg.value, str)]
    variables = {keyword.key: keyword.value for keyword in call.kwargs}
    if call.node.name == "ngettext":
        forms = [arg.value for arg in call.args[:2] if isinstance(arg, nodes.Const) and isinstance(arg.value, str)]
        if len(call.args) == 3 and len(forms) == 2 and _pure(call.args[2]):
            return _plural(call, forms[0], forms[1], variables)
        return None  # its form depends on a number evaluated once
    if len(literals) != len(call.args):
        return None
    if call.node.name in ("_", "gettext") and len(literals) == 1:
        text = translations.gettext(literals[0])
    elif call.node.name == "pgettext" and len(literals) == 2:
        text = translations.pgettext(literals[0], literals[1])
        variables.setdefault("context", nodes.Const(literals[0]))
    else:
        return None
    line = call.lineno
    items = [nodes.Pair(nodes.Const(key, lineno=line), value, lineno=line) for key, value in variables.items()]
    return nodes.Mod(nodes.MarkSafeIfAutoescape(nodes.Const(text, lineno=line), lineno=line), nodes.Dict(items, lineno=line), lineno=line)


def _pure(expr: nodes.Expr) -> bool:
    """Whether evaluating `expr` twice gives the same and changes nothing: a name, a literal, or attributes and literal
    subscripts of one (a call, a filter or a cycler's `next()` is evaluated once, as ngettext itself does)."""
    while isinstance(expr, (nodes.Getattr, nodes.Getitem)):
        if isinstance(expr, nodes.Getitem) and not isinstance(expr.arg, nodes.Const):
            return False
        expr = expr.node
    return isinstance(expr, (nodes.Name, nodes.Const))


def _plural(call: nodes.Call, singular: str, plural: str, variables: dict[str, nodes.Expr]) -> nodes.Expr:
    """`ngettext("…", "…", n, …)`: the form for `n` from the environment's `plural_form` (kept by number once translated),
    formatted as the newstyle ngettext does, with `num` set to `n` unless given."""
    line = call.lineno
    number = call.args[2]
    variables.setdefault("num", number)
    form = nodes.Call(
        nodes.EnvironmentAttribute("plural_form", lineno=line),
        [nodes.Const(singular, lineno=line), nodes.Const(plural, lineno=line), number],
        [],
        None,
        None,
        lineno=line,
    )
    items = [nodes.Pair(nodes.Const(key, lineno=line), value, lineno=line) for key, value in variables.items()]
    return nodes.Mod(nodes.MarkSafeIfAutoescape(form, lineno=line), nodes.Dict(items, lineno=line), lineno=line)
