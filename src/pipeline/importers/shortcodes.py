"""Hugo shortcodes in a body: ref/relref, figure, highlight, youtube, vimeo and gist converted to Markdown; any other reported."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.diagnostics import Diagnostic

_OPEN = re.compile(r"\{\{([<%])")
_ARG = re.compile(r'(?:([A-Za-z_][\w-]*)=)?("(?:[^"\\]|\\.)*"|`[^`]*`|\S+)')
EMBEDS = {
    "youtube": ("YouTube video", "https://www.youtube.com/watch?v={}"),
    "vimeo": ("Vimeo video", "https://vimeo.com/{}"),
}


@dataclass(frozen=True, slots=True)
class Shortcode:
    start: int
    end: int
    name: str
    closing: bool
    positional: tuple[str, ...]
    named: dict[str, str]


@dataclass(frozen=True, slots=True)
class Converted:
    body: str
    converted: dict[str, int]  # shortcode name -> how many were converted
    diagnostics: tuple[Diagnostic, ...]


Ref = Callable[[str, str | None], str | None]  # (a ref's target, its language) -> a link, or None
Resource = Callable[[str], str]  # a src as written -> where it is now


def convert(body: str, path: str, body_line: int, ref: Ref, resource: Resource) -> Converted:
    """The body with the shortcodes it can convert safely converted; the others left as written and reported with their line."""
    out: list[str] = []
    done: dict[str, int] = {}
    problems: list[Diagnostic] = []
    position = 0
    while True:
        code = _next(body, position)
        if code is None:
            out.append(body[position:])
            break
        out.append(body[position : code.start])
        line = body_line + body.count("\n", 0, code.start)
        text, end, problem = _one(body, code, ref, resource)
        if problem:
            problems.append(Diagnostic.make("import-shortcode", path, line, 1, problem))
        elif problem is None:
            done[code.name] = done.get(code.name, 0) + 1
        out.append(text)
        position = end
    return Converted("".join(out), done, tuple(problems))


def _next(body: str, position: int) -> Shortcode | None:
    """The next shortcode from `position` (each search starts past the last: linear in the body)."""
    match = _OPEN.search(body, position)
    if match is None:
        return None
    close = ">}}" if match[1] == "<" else "%}}"
    end = body.find(close, match.end())
    if end < 0:
        return None
    inner = body[match.end() : end].strip()
    if inner.startswith("/*") and inner.endswith("*/"):  # Hugo's escape: {{</* x */>}} is the text {{< x >}}
        return Shortcode(
            match.start(),
            end + 3,
            "escaped",
            False,
            ("{{" + match[1] + " " + inner[2:-2].strip() + " " + ("%" if match[1] == "%" else ">") + "}}",),
            {},
        )
    closing = inner.startswith("/")
    words = [(m[1], _unquote(m[2])) for m in _ARG.finditer(inner.lstrip("/").strip())]
    name = words[0][1] if words else ""
    positional = tuple(value for key, value in words[1:] if key is None)
    named = {key: value for key, value in words[1:] if key is not None}
    return Shortcode(match.start(), end + 3, name, closing, positional, named)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in '"`':
        inner = value[1:-1]
        return inner.replace('\\"', '"').replace("\\\\", "\\") if value[0] == '"' else inner
    return value


def _one(body: str, code: Shortcode, ref: Ref, resource: Resource) -> tuple[str, int, str | None]:
    """(replacement, where to go on, a problem: None when converted, "" when left as written with nothing to say)."""
    written = body[code.start : code.end]
    if code.name == "escaped":
        return code.positional[0] if code.positional else written, code.end, None
    if code.closing:
        return written, code.end, ""  # the closing tag of one not converted: its opening tag is reported
    if code.name in ("ref", "relref"):
        target = code.named.get("path") or (code.positional[0] if code.positional else "")
        lang = code.named.get("lang") or (code.positional[1] if len(code.positional) > 1 else None)
        link = ref(target, lang)
        if link is None:
            return written, code.end, f"{code.name} '{target}' names no page of the Hugo site; left as written"
        return link, code.end, None
    if code.name == "figure":
        return _figure(code, resource), code.end, None
    if code.name == "highlight":
        return _highlight(body, code)
    if code.name in EMBEDS and (code.positional or code.named.get("id")):
        label, url = EMBEDS[code.name]
        ident = code.named.get("id") or code.positional[0]
        return f"[{label}]({url.format(ident)})", code.end, None
    if code.name == "gist" and len(code.positional) >= 2:
        user, gist = code.positional[:2]
        return f"[gist {user}/{gist}](https://gist.github.com/{user}/{gist})", code.end, None
    return written, code.end, f"shortcode '{code.name}' has no Markdown equivalent here; left as written, convert it by hand"


def _figure(code: Shortcode, resource: Resource) -> str:
    src = resource(code.named.get("src", ""))
    alt = code.named.get("alt") or code.named.get("caption") or code.named.get("title") or ""
    title = code.named.get("title")
    image = f"![{_escape(alt)}]({src}" + (f' "{title.replace(chr(34), "")}"' if title else "") + ")"
    if code.named.get("link"):
        image = f"[{image}]({code.named['link']})"
    caption = code.named.get("caption")
    return image + (f"\n\n*{_escape(caption)}*" if caption and caption != alt else "")


def _highlight(body: str, code: Shortcode) -> tuple[str, int, str | None]:
    closer = re.compile(r"\{\{([<%])\s*/\s*highlight\s*[>%]\}\}")
    found = closer.search(body, code.end)
    if found is None:
        return body[code.start : code.end], code.end, "highlight is never closed by {{< /highlight >}}; left as written"
    text = body[code.end : found.start()].strip("\n")
    lang = code.positional[0] if code.positional else ""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}", found.end(), None


def _escape(text: str) -> str:
    return text.replace("[", r"\[").replace("]", r"\]")
